/**
 * The local cloud run from a tiny synthesized stack (test/local/fixtures/stack.ts): S3
 * notifications with prefix/suffix, async retries to an on-failure queue, a Kinesis
 * mapping with partial failures and bisect, queue redrive, the state file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { waitFor } from '#test/support/wait-for.ts';
import { buildFixtureApp } from './fixtures/stack.ts';
import { listKeys, readText, receiveJson, startLocalCloud, type LocalCloud } from '#test/support/local-cloud.ts';
import type { Activity } from '#infra/local/cloud.ts';
import { defined } from '#test/support/defined.ts';

const byPrefix = <T>(record: Record<string, T>, prefix: string): T =>
  defined(Object.entries(record).find(([k]) => k.startsWith(prefix))?.[1], `a resource ${prefix}*`);

/** What Lambda sends to an async invocation's on-failure destination (the fields checked here). */
interface AsyncFailureRecord {
  requestContext: { condition: string; approximateInvokeCount: number };
  requestPayload: { Records: [{ s3: { object: { key: string } } }] }; // one object per S3 notification
  responsePayload: { errorMessage: string };
}

/** What a Kinesis event source mapping sends to its on-failure destination (the fields checked here). */
interface StreamFailureRecord {
  requestContext: { condition: string };
  responseContext: { functionError: string };
  KinesisBatchInfo: { batchSize: number; streamArn: string };
}

describe('local cloud from a synthesized stack', () => {
  let cloud: LocalCloud;
  let bucket: string;
  let stateDir: string;
  beforeAll(async () => {
    // startLocalCloud itself (not startTestCloud, which deletes the folder) so the last test sees what stop() leaves.
    stateDir = mkdtempSync(join(tmpdir(), 'retention-fixture-'));
    cloud = await startLocalCloud({
      buildApp: buildFixtureApp,
      stateDir,
      onOutput: () => undefined,
      asyncRetryDelayMs: 20,
      kinesisPollIntervalMs: 50,
    });
    bucket = byPrefix(cloud.resources.buckets, 'Data').name;
  });
  afterAll(async () => {
    await cloud?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const put = (key: string, body: string) =>
    cloud.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

  it('delivers an upload matching the prefix/suffix rule to the bundle as a real S3Event', async () => {
    await put('in/week=1/hello world.txt', 'hello');
    await cloud.idle();
    const note = JSON.parse(await readText(cloud.clients.s3, bucket, 'out/week=1/hello world.txt'));
    expect(note).toEqual({ body: 'hello', size: 5, eventName: 'ObjectCreated:Put', bucketEnv: bucket });
  });

  it('ignores uploads outside the rule (wrong prefix or suffix)', async () => {
    await put('in/data.log', 'x');
    await put('elsewhere/data.txt', 'x');
    await cloud.idle();
    const out = await listKeys(cloud.clients.s3, bucket, 'out/');
    expect(out).toEqual(['out/week=1/hello world.txt']);
  });

  it('retries a failing async invocation, then sends the destination record to the on-failure queue', async () => {
    await put('in/fail-me.txt', 'x');
    await cloud.idle();
    const queue = byPrefix(cloud.resources.queues, 'CopyFailures');
    const record = defined(
      (await receiveJson<AsyncFailureRecord>(cloud.clients.sqs, queue.url))[0],
      'an on-failure destination record',
    );
    expect(record.requestContext.condition).toBe('RetriesExhausted');
    expect(record.requestContext.approximateInvokeCount).toBe(2); // retryAttempts: 1
    expect(record.requestPayload.Records[0].s3.object.key).toBe('in/fail-me.txt');
    expect(record.responsePayload.errorMessage).toBe('refusing in/fail-me.txt');
  });

  it('invokes a function directly by a part of its logical id', async () => {
    await put('in/direct.txt', 'direct body');
    await cloud.idle();
    const event = {
      Records: [{ s3: { bucket: { name: bucket }, object: { key: 'in/direct.txt', size: 11 } }, eventName: 'Manual' }],
    };
    const result = await cloud.invoke('Copy', event);
    expect(result.ok).toBe(true);
    expect(result.payload).toEqual({ copied: ['out/direct.txt'] });
    const failed = await cloud.invoke('Copy', {
      Records: [{ s3: { bucket: { name: bucket }, object: { key: 'in/fail.txt' } } }],
    });
    expect(failed.ok).toBe(false);
    expect(failed.error?.errorMessage).toBe('refusing in/fail.txt');
  });

  it('reports each invocation once, with what triggered it', async () => {
    const seen: Activity[] = [];
    const unsubscribe = cloud.subscribe((a) => seen.push(a));
    try {
      await cloud.invoke('Limits', {});
      await put('in/reported.txt', 'reported');
      await cloud.idle();
    } finally {
      unsubscribe();
    }
    const copy = cloud.functionId('Copy');
    const invocations = seen.flatMap((a) => (a.kind === 'invoke' ? [[a.function, a.trigger, a.ok]] : []));
    expect(invocations).toEqual([
      [cloud.functionId('Limits'), 'direct', true],
      [copy, 'async', true],
    ]);
    expect(seen.filter((a) => a.kind === 'async-done')).toEqual([
      { kind: 'async-done', function: copy, ok: true, attempts: 1, condition: undefined, destination: undefined },
    ]);
  });

  it('ends an invocation that runs past the function timeout, and the next one runs in a fresh environment', async () => {
    const started = Date.now();
    const late = await cloud.invoke('Limits', { sleepMs: 5000 });
    expect(late.ok).toBe(false);
    expect(late.error?.errorType).toBe('Sandbox.Timedout');
    expect(Date.now() - started).toBeLessThan(4000);
    const next = await cloud.invoke('Limits', {});
    expect(next).toMatchObject({
      ok: true,
      payload: { env: defined(cloud.resources.functions[cloud.functionId('Limits')], 'the Limits function').name },
    });
  });

  it('caps a function heap at its memory setting', async () => {
    const result = await cloud.invoke('Limits', { fillHeapMb: 400 });
    expect(result.ok).toBe(false);
    expect(result.error?.errorType).toBe('Runtime.OutOfMemory');
  });

  it('creates queues with the redrive policy of the template', async () => {
    const work = byPrefix(cloud.resources.queues, 'Work');
    const dead = byPrefix(cloud.resources.queues, 'Dead');
    const attrs = await cloud.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: work.url, AttributeNames: ['RedrivePolicy'] }),
    );
    expect(JSON.parse(defined(attrs.Attributes?.RedrivePolicy, 'the redrive policy'))).toEqual({
      deadLetterTargetArn: dead.arn,
      maxReceiveCount: 3,
    });
  });

  it('polls Kinesis: good records are handled, a reported poison record is retried from its sequence number, then sent to the on-failure queue', async () => {
    const stream = byPrefix(cloud.resources.streams, 'Events');
    // Lambda retries from the lowest failed record on: the poison is last, so it fails alone.
    const data = ['r1', 'r2', 'r3', 'poison'];
    await cloud.clients.kinesis.send(
      new PutRecordsCommand({
        StreamName: stream.name,
        Records: data.map((d) => ({ PartitionKey: 'one-shard', Data: Buffer.from(d) })),
      }),
    );
    await waitFor(async () => (await listKeys(cloud.clients.s3, bucket, 'seen/')).length >= 3, {
      what: 'three records handled (objects under seen/)',
    });
    await cloud.idle();
    const seen = (await listKeys(cloud.clients.s3, bucket, 'seen/')).map((k) => k.split('/')[1]);
    expect(new Set(seen)).toEqual(new Set(['r1', 'r2', 'r3']));
    const failures = await receiveJson<StreamFailureRecord>(
      cloud.clients.sqs,
      byPrefix(cloud.resources.queues, 'BatchFailures').url,
    );
    expect(failures).toHaveLength(1);
    const [failure] = failures;
    expect(failure?.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(failure?.KinesisBatchInfo).toMatchObject({ batchSize: 1, streamArn: stream.arn });
  });

  it('polls Kinesis: a batch whose function throws is bisected down to the bad record', async () => {
    const stream = byPrefix(cloud.resources.streams, 'Events');
    await cloud.clients.kinesis.send(
      new PutRecordsCommand({
        StreamName: stream.name,
        Records: ['c1', 'crash'].map((d) => ({ PartitionKey: 'crash-shard', Data: Buffer.from(d) })),
      }),
    );
    await waitFor(async () => (await listKeys(cloud.clients.s3, bucket, 'seen/c1/')).length >= 1, {
      what: 'the good record c1 handled (seen/c1/)',
    });
    await cloud.idle();
    const failures = await receiveJson<StreamFailureRecord>(
      cloud.clients.sqs,
      byPrefix(cloud.resources.queues, 'BatchFailures').url,
    );
    expect(failures).toHaveLength(1);
    const [failure] = failures;
    expect(failure?.responseContext.functionError).toBe('Unhandled');
    expect(failure?.KinesisBatchInfo.batchSize).toBe(1);
  });

  it('copies BucketDeployment sources into their bucket with content types', async () => {
    const keys = await listKeys(cloud.clients.s3, bucket, 'site/');
    expect(keys).toEqual(['site/data/info.json', 'site/index.html']);
    const head = await cloud.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'site/index.html' }));
    expect(head.ContentType).toBe('text/html; charset=utf-8');
    expect(await readText(cloud.clients.s3, bucket, 'site/index.html')).toBe('<h1>local</h1>');
  });

  it('writes the state file with endpoints and resource names while running', () => {
    const state = JSON.parse(readFileSync(join(cloud.stateDir, 'local-cloud.json'), 'utf8'));
    expect(state.pid).toBe(process.pid);
    expect(state.endpoints).toMatchObject(cloud.endpoints);
    expect(Object.values(state.resources.buckets)).toContainEqual({ name: bucket, arn: `arn:aws:s3:::${bucket}` });
  });

  // Last: stops the cloud that the tests above share (afterAll's stop is then a no-op).
  it('stops: removes the state file and frees the ports', async () => {
    const file = join(cloud.stateDir, 'local-cloud.json');
    await cloud.stop();
    expect(existsSync(stateDir)).toBe(true);
    expect(existsSync(file)).toBe(false);
    await expect(fetch(cloud.endpoints.s3)).rejects.toThrow();
    await expect(fetch(cloud.endpoints.kinesis)).rejects.toThrow();
  });
});
