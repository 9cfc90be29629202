import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { pointSdkAtEmulators, startTestEmulators, type S3Upload, type TestEmulators } from '#test/support/emulators.ts';
import { waitFor } from '#test/support/wait-for.ts';
import { defined } from '#test/support/defined.ts';

describe('local emulators', () => {
  let local: TestEmulators;
  beforeAll(async () => {
    local = await startTestEmulators();
  });
  afterAll(() => local?.stop());

  it('listen on loopback with distinct free ports', () => {
    expect(local.endpoints.s3).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(local.endpoints.kinesis).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(local.endpoints.kinesis).not.toBe(local.endpoints.s3);
  });

  // fauxqs would listen on every interface by itself (infra/local/fauxqs-adapter.ts).
  const networkAddress = Object.values(networkInterfaces())
    .flat()
    .find((a) => a?.family === 'IPv4' && !a.internal)?.address;
  it.skipIf(networkAddress === undefined)('refuse connections on the network address', async () => {
    const address = defined(networkAddress, 'a network address');
    for (const endpoint of [local.endpoints.s3, local.endpoints.kinesis]) {
      const port = Number(new URL(endpoint).port);
      await expect(connectTo(address, port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await expect(connectTo('127.0.0.1', port)).resolves.toBeUndefined();
    }
  });

  it('store and return an S3 object, and report each upload once', async () => {
    const seen: S3Upload[] = [];
    const unsubscribe = local.onS3Upload((u) => seen.push(u));
    await local.s3.send(new CreateBucketCommand({ Bucket: 'emu-test' }));
    for (const key of ['a.txt', 'b.txt', 'c.txt']) {
      await local.s3.send(new PutObjectCommand({ Bucket: 'emu-test', Key: key, Body: `body of ${key}` }));
    }
    const got = await local.s3.send(new GetObjectCommand({ Bucket: 'emu-test', Key: 'b.txt' }));
    expect(await got.Body?.transformToString()).toBe('body of b.txt');
    await waitFor(() => seen.length >= 3, { what: 'three uploads reported', timeoutMs: 2000, intervalMs: 10 });
    unsubscribe();
    expect(seen.map((u) => u.key)).toEqual(['a.txt', 'b.txt', 'c.txt']);
  });

  it('reach S3 from a client configured only by environment variables, as a Lambda bundle is', async () => {
    const restore = pointSdkAtEmulators(local);
    try {
      const s3 = new S3Client({});
      await s3.send(new PutObjectCommand({ Bucket: 'emu-test', Key: 'env.txt', Body: 'via env' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'emu-test', Key: 'env.txt' }));
      expect(await got.Body?.transformToString()).toBe('via env');
      s3.destroy();
    } finally {
      restore();
    }
  });

  it('send and receive an SQS message, through a client that knows the endpoint only from the environment', async () => {
    const { QueueUrl } = await local.sqs.send(new CreateQueueCommand({ QueueName: 'emu-q' }));
    // The queue URL's host is the emulator's own address: the SDK sends to it as it is.
    expect(QueueUrl).toBe(`${local.endpoints.sqs}/000000000000/emu-q`);
    const restore = pointSdkAtEmulators(local);
    try {
      const sqs = new SQSClient({});
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'from env' }));
      sqs.destroy();
    } finally {
      restore();
    }
    const got = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(got.Messages?.[0]?.Body).toBe('from env');
  });

  it('put and read a Kinesis record', async () => {
    await local.kinesis.send(new CreateStreamCommand({ StreamName: 'emu-s', ShardCount: 1 }));
    await local.kinesis.send(
      new PutRecordCommand({ StreamName: 'emu-s', PartitionKey: 'k', Data: Buffer.from('hello') }),
    );
    const shards = await local.kinesis.send(new ListShardsCommand({ StreamName: 'emu-s' }));
    const { ShardIterator } = await local.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 'emu-s',
        ShardId: defined(shards.Shards?.[0]?.ShardId, 'the shard of stream emu-s'),
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const records = await local.kinesis.send(new GetRecordsCommand({ ShardIterator }));
    expect(Buffer.from(defined(records.Records?.[0]?.Data, 'the record put')).toString()).toBe('hello');
  });
});

/** Opens and closes a TCP connection; rejects with the socket's error (ECONNREFUSED...). */
function connectTo(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}
