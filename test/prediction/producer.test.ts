/** The producer against kinesalite: batches of 500, partition key userId, failed entries retried. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { startTestEmulators, kinesisClientConfig, type TestEmulators } from '#test/support/emulators.ts';
import { putUserFeatures, PutRecordsError } from '#aws/prediction/kinesis-producer.ts';
import { createStream, readEvent, record } from './fixtures.ts';
import { defined } from '#test/support/defined.ts';

describe('putUserFeatures on emulated Kinesis', () => {
  let local: TestEmulators;
  beforeAll(async () => {
    local = await startTestEmulators();
  });
  afterAll(() => local?.stop());

  it('puts every record once, in batches of 500, keyed by userId', async () => {
    await createStream(local.kinesis, 'plain');
    const records = Array.from({ length: 1201 }, (_, i) => record(i + 1, 0));
    const report = await putUserFeatures(local.kinesis, 'plain', records);
    expect(report).toEqual({ accepted: 1201, retried: 0, requests: 3 });
    const event = await readEvent(local.kinesis, 'plain');
    expect(event.Records).toHaveLength(1201);
    const first = defined(event.Records[0], 'the first record').kinesis;
    expect(JSON.parse(Buffer.from(first.data, 'base64').toString())).toEqual(records[0]);
    expect(first.partitionKey).toBe('1');
  });

  it('sends the entries a response marks failed again until all are accepted', async () => {
    await createStream(local.kinesis, 'flaky');
    // Mock only here: kinesalite never fails part of a PutRecords. The real client writes the
    // even positions; odd positions are answered ProvisionedThroughputExceeded, twice.
    const real = new KinesisClient(kinesisClientConfig(local));
    let refusals = 0;
    const flaky = Object.create(real) as KinesisClient;
    flaky.send = (async (command: Parameters<KinesisClient['send']>[0]) => {
      if (!(command instanceof PutRecordsCommand) || refusals >= 2) return real.send(command);
      refusals++;
      const entries = command.input.Records ?? [];
      const kept = entries.filter((_, i) => i % 2 === 0);
      const out = await real.send(new PutRecordsCommand({ ...command.input, Records: kept }));
      let k = 0;
      return {
        ...out,
        FailedRecordCount: entries.length - kept.length,
        Records: entries.map((_, i) =>
          i % 2 === 0
            ? defined(out.Records?.[k++], 'the answer to a kept record')
            : { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' },
        ),
      };
    }) as KinesisClient['send'];
    const records = Array.from({ length: 40 }, (_, i) => record(i + 1, 1));
    const report = await putUserFeatures(flaky, 'flaky', records, { baseDelayMs: 1 });
    expect(report.accepted).toBe(40);
    expect(report.retried).toBe(20 + 10);
    const users = (await readEvent(local.kinesis, 'flaky')).Records.map((r) => Number(r.kinesis.partitionKey));
    expect(users.sort((a, b) => a - b)).toEqual(records.map((r) => r.userId));
    real.destroy();
  });

  it('gives up with a readable error when entries keep failing', async () => {
    const real = new KinesisClient(kinesisClientConfig(local));
    const refusing = Object.create(real) as KinesisClient;
    // Mock only here, as above: every entry refused every time.
    refusing.send = (async (command: PutRecordsCommand) => {
      const entries = command.input.Records ?? [];
      return { FailedRecordCount: entries.length, Records: entries.map(() => ({ ErrorCode: 'InternalFailure' })) };
    }) as KinesisClient['send'];
    await expect(putUserFeatures(refusing, 'any', [record(1, 0)], { maxAttempts: 3, baseDelayMs: 1 })).rejects.toThrow(
      PutRecordsError,
    );
    real.destroy();
  });
});
