/**
 * SQS's query protocol on the local cloud's emulator: form-encoded requests, as Debian's
 * boto3 1.26 and older SDKs send them, get SQS's XML answers, while the JSON protocol keeps
 * working on the same endpoint. Each action a consumer needs, through real HTTP requests;
 * then boto3 itself when a Python with a query-protocol boto3 is present.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, ListTopicsCommand } from '@aws-sdk/client-sns';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { defined } from '#test/support/defined.ts';

/** The first value of each `<tag>` in an XML answer. */
const all = (xml: string, tag: string) =>
  [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
const one = (xml: string, tag: string) => defined(all(xml, tag)[0], `<${tag}> in ${xml}`);

describe("SQS's query protocol on the emulator", () => {
  let local: TestEmulators;
  let queueUrl: string;

  beforeAll(async () => {
    local = await startTestEmulators();
    queueUrl = defined(
      (await local.sqs.send(new CreateQueueCommand({ QueueName: 'query-q' }))).QueueUrl,
      'the queue URL',
    );
  });
  afterAll(() => local?.stop());

  async function query(params: Record<string, string>): Promise<{ status: number; type: string; xml: string }> {
    const response = await fetch(`${local.endpoints.sqs}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams({ Version: '2012-11-05', ...params }).toString(),
    });
    return { status: response.status, type: response.headers.get('content-type') ?? '', xml: await response.text() };
  }

  it('finds the queue and its attributes', async () => {
    const url = await query({ Action: 'GetQueueUrl', QueueName: 'query-q' });
    expect(url.status).toBe(200);
    expect(url.type).toContain('text/xml');
    expect(url.xml).toContain('<GetQueueUrlResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">');
    expect(one(url.xml, 'QueueUrl')).toBe(queueUrl);
    const attributes = await query({ Action: 'GetQueueAttributes', QueueUrl: queueUrl, 'AttributeName.1': 'All' });
    expect(attributes.xml).toMatch(
      /<Attribute><Name>QueueArn<\/Name><Value>arn:aws:sqs:[^<]+:query-q<\/Value><\/Attribute>/,
    );
  });

  it('sends, receives with attributes, changes visibility and deletes, one and in batches', async () => {
    const sent = await query({
      Action: 'SendMessage',
      QueueUrl: queueUrl,
      MessageBody: '{"userId": 7, "note": "a & b <c>"}',
      'MessageAttribute.1.Name': 'round',
      'MessageAttribute.1.Value.DataType': 'Number',
      'MessageAttribute.1.Value.StringValue': '3',
    });
    expect(sent.status).toBe(200);
    expect(one(sent.xml, 'MD5OfMessageBody')).toMatch(/^[0-9a-f]{32}$/);
    const batch = await query({
      Action: 'SendMessageBatch',
      QueueUrl: queueUrl,
      'SendMessageBatchRequestEntry.1.Id': 'a',
      'SendMessageBatchRequestEntry.1.MessageBody': 'second',
      'SendMessageBatchRequestEntry.2.Id': 'b',
      'SendMessageBatchRequestEntry.2.MessageBody': 'third',
      'SendMessageBatchRequestEntry.2.DelaySeconds': '0',
    });
    expect(all(batch.xml, 'Id').sort()).toEqual(['a', 'b']);
    expect(batch.xml).toContain('<SendMessageBatchResultEntry>');

    const received = await query({
      Action: 'ReceiveMessage',
      QueueUrl: queueUrl,
      MaxNumberOfMessages: '10',
      WaitTimeSeconds: '1',
      'AttributeName.1': 'All',
      'MessageAttributeName.1': 'All',
    });
    expect(all(received.xml, 'Body').sort()).toEqual(
      ['{&#34;userId&#34;: 7, &#34;note&#34;: &#34;a &#38; b &#60;c&#62;&#34;}', 'second', 'third'].sort(),
    );
    expect(received.xml).toMatch(
      /<MessageAttribute><Name>round<\/Name><Value>(<DataType>Number<\/DataType><StringValue>3<\/StringValue>|<StringValue>3<\/StringValue><DataType>Number<\/DataType>)<\/Value><\/MessageAttribute>/,
    );
    expect(received.xml).toMatch(/<Attribute><Name>ApproximateReceiveCount<\/Name><Value>1<\/Value><\/Attribute>/);
    const handles = all(received.xml, 'ReceiptHandle');
    expect(handles).toHaveLength(3);

    const visible = await query({
      Action: 'ChangeMessageVisibility',
      QueueUrl: queueUrl,
      ReceiptHandle: defined(handles[0], 'a receipt handle'),
      VisibilityTimeout: '0',
    });
    expect(visible.status).toBe(200);
    expect(visible.xml).toContain('<ChangeMessageVisibilityResponse');
    const deleted = await query({
      Action: 'DeleteMessageBatch',
      QueueUrl: queueUrl,
      'DeleteMessageBatchRequestEntry.1.Id': 'x',
      'DeleteMessageBatchRequestEntry.1.ReceiptHandle': defined(handles[1], 'a receipt handle'),
      'DeleteMessageBatchRequestEntry.2.Id': 'y',
      'DeleteMessageBatchRequestEntry.2.ReceiptHandle': defined(handles[2], 'a receipt handle'),
    });
    expect(deleted.xml).toContain('<DeleteMessageBatchResultEntry><Id>x</Id></DeleteMessageBatchResultEntry>');

    // The message made visible again comes back, through the JSON protocol too; then it is deleted.
    const again = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(again.Messages?.map((m) => m.Body)).toEqual(['{"userId": 7, "note": "a & b <c>"}']);
    const one_ = defined(again.Messages?.[0]?.ReceiptHandle, 'a receipt handle');
    const gone = await query({ Action: 'DeleteMessage', QueueUrl: queueUrl, ReceiptHandle: one_ });
    expect(gone.xml).toContain('<DeleteMessageResponse');
    const left = await local.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(left.Attributes?.ApproximateNumberOfMessages).toBe('0');
  });

  it("answers a missing queue with SQS's XML error, and leaves SNS's form requests to SNS", async () => {
    const missing = await query({ Action: 'GetQueueUrl', QueueName: 'no-such-queue' });
    expect(missing.status).toBe(400);
    expect(one(missing.xml, 'Code')).toBe('AWS.SimpleQueueService.NonExistentQueue');
    expect(one(missing.xml, 'Type')).toBe('Sender');
    await local.sns.send(new CreateTopicCommand({ Name: 'still-sns' }));
    const topics = await local.sns.send(new ListTopicsCommand({}));
    expect(topics.Topics?.map((t) => t.TopicArn)).toEqual([expect.stringMatching(/:still-sns$/)]);
  });

  it('serves boto3 on the query protocol (Debian python3-boto3 1.26), when such a Python is present', async (context) => {
    const python = await queryProtocolPython();
    if (typeof python !== 'string') {
      context.skip(
        `no Python with a query-protocol boto3 here (${python.reason}); the fetch tests above cover the protocol`,
      );
      return;
    }
    const out = await run(python, ['-c', BOTO3_CONSUMER, local.endpoints.sqs, queueUrl]);
    expect(JSON.parse(out)).toEqual({ protocol: 'query', received: ['from boto3'], attribute: 'x', left: '0' });
  });
});

/** A Python consumer: send with an attribute, receive, delete, count what is left. */
const BOTO3_CONSUMER = `
import json, sys, boto3
endpoint, url = sys.argv[1], sys.argv[2]
sqs = boto3.client('sqs', endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id='local', aws_secret_access_key='local')
sqs.send_message(QueueUrl=url, MessageBody='from boto3', MessageAttributes={'k': {'DataType': 'String', 'StringValue': 'x'}})
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=['All'])['Messages']
sqs.delete_message_batch(QueueUrl=url, Entries=[{'Id': str(i), 'ReceiptHandle': m['ReceiptHandle']} for i, m in enumerate(got)])
left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=['ApproximateNumberOfMessages'])['Attributes']
print(json.dumps({'protocol': sqs.meta.service_model.protocol, 'received': [m['Body'] for m in got],
  'attribute': got[0]['MessageAttributes']['k']['StringValue'], 'left': left['ApproximateNumberOfMessages']}))
`;

const PROTOCOL_OF_BOTO3 = `import botocore.session; print(botocore.session.get_session().get_service_model('sqs').protocol)`;

/** Debian's python3 first (where python3-boto3 installs), then python3 on the PATH. */
async function queryProtocolPython(): Promise<string | { reason: string }> {
  const seen: string[] = [];
  for (const python of ['/usr/bin/python3', 'python3']) {
    const protocol = await run(python, ['-c', PROTOCOL_OF_BOTO3]).catch(() => 'no boto3');
    if (protocol.trim() === 'query') return python;
    seen.push(`${python}: ${protocol.trim()}`);
  }
  return { reason: seen.join('; ') };
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command}: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );
}
