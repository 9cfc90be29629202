/**
 * The local event source mapping's ParallelizationFactor and shards, against kinesalite: up
 * to that many batches of one shard run at once (never more), every shard of the stream is
 * read, and the records of one partition key reach the function in the order they were put,
 * a failed record's retry included. The function here is a plain recording one: what is
 * under test is the poller, and its inputs come from a real stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { KinesisPoller } from '#infra/local/kinesis-poller.ts';
import type { InvocationResult } from '#infra/local/lambda-runtime.ts';
import type { EventSourceMappingSpec } from '#infra/local/template.ts';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { waitFor } from '#test/support/wait-for.ts';

const KEYS = 40;
const PER_KEY = 15;
const SHARDS = 2;

interface Seen {
  readonly shardId: string;
  readonly key: string;
  readonly n: number;
}

interface KinesisEvent {
  Records: { eventID: string; kinesis: { partitionKey: string; sequenceNumber: string; data: string } }[];
}

const settings = (parallelizationFactor: number): Omit<EventSourceMappingSpec, 'logicalId'> => ({
  functionLogicalId: 'Fn',
  sourceLogicalId: 'Stream',
  sourceType: 'AWS::Kinesis::Stream',
  batchSize: 10,
  startingPosition: 'TRIM_HORIZON',
  bisectOnError: false,
  maximumRetryAttempts: 3,
  maximumRecordAgeSeconds: -1,
  maximumBatchingWindowSeconds: 0,
  reportBatchItemFailures: true,
  parallelizationFactor,
  enabled: true,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('local Kinesis poller: parallelization factor and shards', () => {
  let local: TestEmulators;

  beforeAll(async () => {
    local = await startTestEmulators();
  });
  afterAll(() => local?.stop());

  /** A stream of SHARDS shards holding PER_KEY records for each of KEYS partition keys, put in order. */
  async function filledStream(name: string): Promise<void> {
    await local.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: SHARDS }));
    await waitFor(
      async () => {
        const got = await local.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        return got.StreamDescriptionSummary?.StreamStatus === 'ACTIVE';
      },
      { what: `stream ${name} active` },
    );
    for (let n = 0; n < PER_KEY; n++) {
      const Records = Array.from({ length: KEYS }, (_, k) => ({
        PartitionKey: `user-${k}`,
        Data: new TextEncoder().encode(JSON.stringify({ key: `user-${k}`, n })),
      }));
      const put = await local.kinesis.send(new PutRecordsCommand({ StreamName: name, Records }));
      expect(put.FailedRecordCount ?? 0).toBe(0);
    }
  }

  /**
   * Runs a poller until every record was handled once; `fail` names records to fail on their
   * first delivery. Returns what the function saw, in the order it saw it, and the most
   * invocations in flight at once per shard.
   */
  async function poll(stream: string, factor: number, fail: (seen: Seen) => boolean = () => false) {
    const seen: Seen[] = [];
    const inFlight = new Map<string, number>();
    const most = new Map<string, number>();
    const failedOnce = new Set<string>();
    const invoke = async (event: unknown): Promise<InvocationResult> => {
      const records = (event as KinesisEvent).Records;
      const shardId = records[0]?.eventID.split(':')[0] ?? 'none';
      inFlight.set(shardId, (inFlight.get(shardId) ?? 0) + 1);
      most.set(shardId, Math.max(most.get(shardId) ?? 0, inFlight.get(shardId) ?? 0));
      await sleep(15); // an invocation takes a while, so that batches of a shard overlap if allowed
      const failures: { itemIdentifier: string }[] = [];
      for (const { kinesis } of records) {
        const record = JSON.parse(Buffer.from(kinesis.data, 'base64').toString()) as { key: string; n: number };
        const item = { shardId, key: record.key, n: record.n };
        const id = `${record.key}/${record.n}`;
        if (failures.length === 0 && fail(item) && !failedOnce.has(id)) {
          failedOnce.add(id);
          failures.push({ itemIdentifier: kinesis.sequenceNumber });
        }
        // Records after a failed one are re-delivered; only those before it count as handled.
        if (failures.length === 0) seen.push(item);
      }
      inFlight.set(shardId, (inFlight.get(shardId) ?? 1) - 1);
      return { requestId: 'r', ok: true, payload: { batchItemFailures: failures }, durationMs: 15, peakMemoryBytes: 0 };
    };
    const poller = new KinesisPoller({
      kinesis: local.kinesis,
      streamName: stream,
      streamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`,
      region: 'us-east-1',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
      settings: settings(factor),
      invoke,
      pollIntervalMs: 50,
      retryDelayMs: 10,
    });
    await poller.start();
    try {
      await waitFor(() => seen.length >= KEYS * PER_KEY && !poller.busy, {
        what: 'every record handled',
        timeoutMs: 30_000,
      });
    } finally {
      await poller.stop();
    }
    return { seen, most, failed: failedOnce.size };
  }

  /** Per partition key, the record numbers in the order the function handled them, and the shards they came from. */
  function byKey(seen: Seen[]) {
    const order = new Map<string, number[]>();
    const shards = new Map<string, Set<string>>();
    for (const { key, n, shardId } of seen) {
      order.set(key, [...(order.get(key) ?? []), n]);
      shards.set(key, (shards.get(key) ?? new Set()).add(shardId));
    }
    return { order, shards };
  }

  const inPutOrder = Array.from({ length: PER_KEY }, (_, n) => n);

  it('runs up to the factor of batches of one shard at once, reads every shard, keeps each key in order', async () => {
    await filledStream('parallel');
    const { seen, most } = await poll('parallel', 4);

    expect(seen).toHaveLength(KEYS * PER_KEY);
    expect([...most.keys()]).toHaveLength(SHARDS);
    for (const [, count] of most) expect(count).toBe(4);
    const { order, shards } = byKey(seen);
    expect(order.size).toBe(KEYS);
    for (const [, numbers] of order) expect(numbers).toEqual(inPutOrder);
    for (const [, from] of shards) expect(from.size).toBe(1);
  });

  it('handles one batch of a shard at a time with a factor of 1', async () => {
    await filledStream('serial');
    const { seen, most } = await poll('serial', 1);

    expect(seen).toHaveLength(KEYS * PER_KEY);
    expect([...most.values()]).toEqual([1, 1]);
  });

  it('retries a failed record before any later record of its key, while other lanes go on', async () => {
    await filledStream('retried');
    const { seen, most, failed } = await poll(
      'retried',
      3,
      ({ key, n }) => n === 5 && ['user-3', 'user-17'].includes(key),
    );

    expect(failed).toBe(2);
    expect(seen).toHaveLength(KEYS * PER_KEY);
    for (const [, count] of most) expect(count).toBe(3);
    for (const [, numbers] of byKey(seen).order) expect(numbers).toEqual(inPutOrder);
  });
});
