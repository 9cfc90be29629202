/**
 * The local poller's GetRecords over plain HTTP against kinesalite: every byte of every
 * record comes back as the base64 Lambda's event carries (binary and ~1 MB records too),
 * with the partition key, sequence number and arrival time PutRecords gave, and an error
 * names what the emulator refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamCommand, GetShardIteratorCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { readRecordsLike } from '#infra/local/kinesis-get-records.ts';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { waitFor } from '#test/support/wait-for.ts';
import { defined } from '#test/support/defined.ts';

describe('GetRecords over HTTP (local poller)', () => {
  let local: TestEmulators;
  beforeAll(async () => {
    local = await startTestEmulators();
  });
  afterAll(() => local?.stop());

  it('returns each record as PutRecords stored it, data in base64', async () => {
    const stream = 'raw-reads';
    await local.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const every = Uint8Array.from({ length: 256 }, (_, i) => i);
    const large = new Uint8Array(1_000_000).map((_, i) => (i * 7919) % 251);
    const datas = [Buffer.from('{"userId":1}'), every, new Uint8Array(0), large, Buffer.from('é ✓')];
    const start = Date.now() / 1000;
    const put = await waitFor(
      () =>
        local.kinesis
          .send(
            new PutRecordsCommand({
              StreamName: stream,
              Records: datas.map((Data, i) => ({ Data, PartitionKey: `key-${i}` })),
            }),
          )
          .catch(() => undefined),
      { what: 'the stream active' },
    );
    const iterator = await local.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const read = await readRecordsLike(local.kinesis);
    const page = await read(defined(iterator.ShardIterator, 'an iterator'), 10_000);

    expect(page.nextIterator).toEqual(expect.any(String));
    expect(page.records.map((r) => r.PartitionKey)).toEqual(datas.map((_, i) => `key-${i}`));
    expect(page.records.map((r) => r.SequenceNumber)).toEqual(put.Records?.map((r) => r.SequenceNumber));
    page.records.forEach((record, i) => {
      expect(Buffer.from(record.Data, 'base64').equals(Buffer.from(defined(datas[i], 'data')))).toBe(true);
      expect(record.ApproximateArrivalTimestamp).toBeGreaterThanOrEqual(Math.floor(start) - 1);
      expect(record.ApproximateArrivalTimestamp).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    });
  });

  it('rejects with what the emulator refused', async () => {
    const read = await readRecordsLike(local.kinesis);
    await expect(read('not-an-iterator', 10)).rejects.toThrow(/GetRecords answered 400: .*InvalidArgumentException/);
  });
});
