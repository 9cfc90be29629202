/**
 * fauxqs (S3, SQS, SNS) started the way the local cloud needs it. Four things it cannot be
 * told through its options (fauxqs 2.4.1, pinned) are patched here, and only here, each with
 * its reason; test/local/emulators.test.ts checks the first two (loopback only, queue URL
 * shape), the storage contract (test/storage/) the third (conditional writes),
 * test/local/sqs-query-protocol.test.ts the fourth (SQS's query protocol).
 */
import type { Server as HttpServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { honourConditionalWrites } from './conditional-writes.ts';
import { errorToXml, jsonToXml, queryToJson } from './sqs-query-protocol.ts';

type FauxqsOptions = NonNullable<Parameters<typeof startFauxqs>[0]>;

/**
 * Starts fauxqs on 127.0.0.1 with queue URLs on the address the client used, and S3's
 * conditional writes honoured. Why the last: fauxqs stores a PutObject whatever its
 * If-Match / If-None-Match say, and Publish relies on them (conditional-writes.ts).
 */
export async function startLocalFauxqs(options: FauxqsOptions, account: string): Promise<FauxqsServer> {
  await queueUrlsOnRequestHost(account);
  await answerSqsQueryProtocol();
  const { started, server } = await onLoopback(() => startFauxqs(options));
  honourConditionalWrites(server);
  return started;
}

/**
 * Why: startFauxqs always listens on 0.0.0.0 (no host option reaches `listen`), which would
 * expose an unauthenticated S3/SQS to the network. While it starts, listen calls for 0.0.0.0
 * are narrowed to 127.0.0.1; the prototype is restored as soon as it has started. The server
 * that listened is fauxqs's HTTP server (it exposes none), kept for the conditional writes.
 */
async function onLoopback<T>(start: () => Promise<T>): Promise<{ started: T; server: HttpServer }> {
  const original = NetServer.prototype.listen;
  let server: HttpServer | undefined;
  NetServer.prototype.listen = function (this: NetServer, ...args: unknown[]) {
    const first = args[0] as { host?: string } | undefined;
    if (first && typeof first === 'object' && first.host === '0.0.0.0') {
      args[0] = { ...first, host: '127.0.0.1' };
      server = this as HttpServer;
    }
    return (original as (...a: unknown[]) => NetServer).apply(this, args);
  } as typeof original;
  try {
    const started = await start();
    if (!server) throw new Error('fauxqs started without listening on 0.0.0.0: the loopback patch needs a look');
    return { started, server };
  } finally {
    NetServer.prototype.listen = original;
  }
}

let queueUrlsPatched = false;

/**
 * Why: fauxqs names queues `http://sqs.<region>.localhost:<port>/…` (its `host` option can
 * change the last part, never drop the `sqs.<region>.` prefix). That host does not resolve
 * here, and the SDK sends SQS calls to the queue URL's host unless the client's endpoint was
 * set in code (an AWS_ENDPOINT_URL_SQS variable is not enough), so clients configured by the
 * environment alone (the AWS CLI, users' consumers) could not send. Queue URLs carry the address the client used
 * instead (http://127.0.0.1:<port>/…), which is what fauxqs itself does when its store has
 * no host; its lookups go by queue name. The store class is not exported, hence the path.
 */
async function queueUrlsOnRequestHost(account: string): Promise<void> {
  if (queueUrlsPatched) return;
  const storeModule = new URL('../../node_modules/fauxqs/dist/sqs/sqsStore.js', import.meta.url);
  const { SqsStore } = (await import(storeModule.href)) as {
    SqsStore: { prototype: { buildQueueUrl(name: string, port: string, requestHost: string, region: string): string } };
  };
  SqsStore.prototype.buildQueueUrl = (name, _port, requestHost) => `http://${requestHost}/${account}/${name}`;
  queueUrlsPatched = true;
}

interface FormRequest {
  readonly body: Record<string, string>;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly raw: { readonly socket: { readonly localPort?: number } };
}

interface Reply {
  status(code: number): Reply;
  header(name: string, value: string): Reply;
}

type FormHandler = (this: unknown, request: FormRequest, reply: Reply) => Promise<unknown>;

let queryProtocolPatched = false;

/**
 * Why: fauxqs answers SQS only in the JSON protocol and sends every form-encoded request to
 * its SNS router, so clients on SQS's query protocol (Debian's boto3 1.26, older SDKs) get
 * `Unknown action: ReceiveMessage`; AWS accepts both. A form request naming an SQS action is
 * translated (sqs-query-protocol.ts), sent to fauxqs itself as JSON (with the caller's
 * Authorization, from which fauxqs reads the region) and answered in XML; SNS requests go on
 * to fauxqs's router untouched. The router class is not exported, hence the path.
 */
async function answerSqsQueryProtocol(): Promise<void> {
  if (queryProtocolPatched) return;
  const routerModule = new URL('../../node_modules/fauxqs/dist/sns/snsRouter.js', import.meta.url);
  const { SnsRouter } = (await import(routerModule.href)) as { SnsRouter: { prototype: { handle: FormHandler } } };
  const snsHandle = SnsRouter.prototype.handle;
  SnsRouter.prototype.handle = async function (this: unknown, request: FormRequest, reply: Reply) {
    const translated = queryToJson(request.body);
    if (translated === undefined) return snsHandle.call(this, request, reply);
    const authorization = request.headers.authorization;
    const response = await fetch(`http://127.0.0.1:${request.raw.socket.localPort}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `AmazonSQS.${translated.action}`,
        ...(typeof authorization === 'string' ? { authorization } : {}),
      },
      body: JSON.stringify(translated.body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    reply.status(response.status).header('content-type', 'text/xml');
    return response.ok
      ? jsonToXml(translated.action, answer)
      : errorToXml(answer, response.headers.get('x-amzn-query-error') ?? undefined);
  };
  queryProtocolPatched = true;
}
