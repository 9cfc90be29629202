/**
 * SQS's query protocol translated to its JSON protocol and back: form-encoded requests
 * (`Action=ReceiveMessage&QueueUrl=…&AttributeName.1=All`, as Debian's boto3 1.26 and older
 * SDKs send them) become the JSON request fauxqs understands, and its JSON answer becomes the
 * XML document SQS's query API returns. Pure functions; fauxqs-adapter.ts puts them in front
 * of fauxqs.
 */
import { randomUUID } from 'node:crypto';

/** The SQS actions the front translates: what a producer or consumer needs, and queue basics. */
const SQS_QUERY_ACTIONS: ReadonlySet<string> = new Set([
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
  'GetQueueUrl',
  'GetQueueAttributes',
  'SetQueueAttributes',
  'ListQueues',
  'CreateQueue',
  'PurgeQueue',
  'DeleteQueue',
]);

const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';
const NUMBERS = new Set(['MaxNumberOfMessages', 'WaitTimeSeconds', 'VisibilityTimeout', 'DelaySeconds', 'MaxResults']);
/** Query lists (`AttributeName.1`) and their JSON names. */
const LISTS: Record<string, string> = {
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
};

type Tree = { [key: string]: Tree | string };

/** `A.1.B=v` → { A: { 1: { B: 'v' } } }. */
function treeOf(params: URLSearchParams): Tree {
  const root: Tree = {};
  for (const [key, value] of params) {
    const path = key.split('.');
    let node = root;
    path.slice(0, -1).forEach((part) => {
      const next = node[part];
      node = typeof next === 'object' ? next : (node[part] = {});
    });
    node[path[path.length - 1] ?? key] = value;
  }
  return root;
}

/** The children of a numbered node (`.1`, `.2`, …) in their order. */
const numbered = (node: Tree | string): Tree[] =>
  typeof node === 'string'
    ? []
    : Object.entries(node)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, child]) => child)
        .filter((child): child is Tree => typeof child === 'object');

/** The strings of a numbered list (`AttributeName.1`, `.2`, …) in their order. */
const numberedTexts = (node: Tree | string): string[] =>
  typeof node === 'string'
    ? [node]
    : Object.entries(node)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, v]) => v)
        .filter((v): v is string => typeof v === 'string');

const text = (node: Tree | string | undefined): string | undefined => (typeof node === 'string' ? node : undefined);

function messageAttributes(node: Tree | string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of numbered(node)) {
    const name = text(entry.Name);
    const value = entry.Value;
    if (name === undefined || typeof value !== 'object') continue;
    out[name] = Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === 'string'));
  }
  return out;
}

/** One request (or batch entry) as the JSON protocol names and types its members. */
function jsonOf(node: Tree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'Action' || key === 'Version') continue;
    const list = LISTS[key];
    if (list !== undefined) out[list] = numberedTexts(value);
    else if (key === 'MessageAttribute') out.MessageAttributes = messageAttributes(value);
    else if (key === 'Attribute')
      out.Attributes = Object.fromEntries(numbered(value).map((a) => [text(a.Name) ?? '', text(a.Value) ?? '']));
    else if (key.endsWith('RequestEntry')) out.Entries = numbered(value).map(jsonOf);
    else if (typeof value === 'string') out[key] = NUMBERS.has(key) ? Number(value) : value;
  }
  return out;
}

/** The JSON protocol's action and body for a query-protocol form body, or undefined when not an SQS action. */
export function queryToJson(
  form: string | Record<string, string>,
): { action: string; body: Record<string, unknown> } | undefined {
  const params = new URLSearchParams(form);
  const action = params.get('Action');
  if (action === null || !SQS_QUERY_ACTIONS.has(action)) return undefined;
  return { action, body: jsonOf(treeOf(params)) };
}

function escapeXml(value: string): string {
  return value.replace(/[&<>"'\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const element = (name: string, inner: string) => `<${name}>${inner}</${name}>`;

/** Attributes: { k: v } → <Attribute><Name>k</Name><Value>v</Value></Attribute>… */
function nameValues(tag: string, map: Record<string, unknown>): string {
  return Object.entries(map)
    .map(([name, value]) => element(tag, element('Name', escapeXml(name)) + element('Value', xmlOf(value))))
    .join('');
}

/** Array members' element names in the query protocol's XML. */
function memberName(key: string, action: string): string {
  const names: Record<string, string> = {
    Messages: 'Message',
    Successful: `${action}ResultEntry`,
    Failed: 'BatchResultErrorEntry',
    QueueUrls: 'QueueUrl',
  };
  return names[key] ?? key.replace(/s$/, '');
}

function xmlOf(value: unknown, action = ''): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return escapeXml(String(value));
  return Object.entries(value as Record<string, unknown>)
    .map(([key, member]) => {
      if (key === 'Attributes') return nameValues('Attribute', member as Record<string, unknown>);
      if (key === 'MessageAttributes') return nameValues('MessageAttribute', member as Record<string, unknown>);
      if (Array.isArray(member)) return member.map((m) => element(memberName(key, action), xmlOf(m, action))).join('');
      return element(key, xmlOf(member, action));
    })
    .join('');
}

/** SQS's XML answer for a successful JSON answer. */
export function jsonToXml(action: string, result: Record<string, unknown>): string {
  const body = Object.keys(result).length > 0 ? element(`${action}Result`, xmlOf(result, action)) : '';
  const metadata = element('ResponseMetadata', element('RequestId', randomUUID()));
  return `<?xml version="1.0"?><${action}Response xmlns="${XMLNS}">${body}${metadata}</${action}Response>`;
}

/**
 * SQS's XML error for a JSON error: the query code and fault from `x-amzn-query-error`
 * (`AWS.SimpleQueueService.NonExistentQueue;Sender`) when given, else from `__type`.
 */
export function errorToXml(error: { __type?: string; message?: string }, queryError: string | undefined): string {
  const [queryCode, fault] = (queryError ?? '').split(';');
  const code = queryCode || (error.__type ?? 'InternalError').replace(/^.*#/, '');
  const detail =
    element('Type', escapeXml(fault || 'Sender')) +
    element('Code', escapeXml(code)) +
    element('Message', escapeXml(error.message ?? '')) +
    '<Detail/>';
  return `<?xml version="1.0"?><ErrorResponse xmlns="${XMLNS}">${element('Error', detail)}${element('RequestId', randomUUID())}</ErrorResponse>`;
}
