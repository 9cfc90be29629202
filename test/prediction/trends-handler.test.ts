/**
 * The trends Lambda on emulated S3: the first event builds data/trends.json from every part;
 * later events update only their round, reading only the parts that changed; an event whose
 * part an earlier update already counted changes nothing; a part overwritten by a retried
 * batch replaces its counts; a ledger lost or left behind by a failure is read back as empty.
 * From its queue, one invocation counts every round its batch names; S3's test message is
 * consumed, a message that is no S3 event and the messages of a round that cannot be counted
 * are reported as failed (to come back, then to the dead-letter queue), the rest succeed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event, SQSEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { pointSdkAtEmulators, startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { createTrendsHandler, handler } from '#handlers/prediction/trends.ts';
import { roundLedgerKey, trendPart, trendPartKey } from '#core/prediction/trends.ts';
import { encodeEventKey } from '#infra/local/s3-event.ts';
import { defined } from '#test/support/defined.ts';

const eventFor = (...parts: { key: string; at: Date }[]) =>
  ({
    Records: parts.map((p) => ({ eventTime: p.at.toISOString(), s3: { object: { key: encodeEventKey(p.key) } } })),
  }) as unknown as S3Event;

/** A queue batch: each body an S3 notification (or any text, as a message may hold). */
const queueEvent = (...bodies: string[]) =>
  ({
    Records: bodies.map((body, i) => ({ messageId: `m${i}`, body, eventSource: 'aws:sqs' })),
  }) as unknown as SQSEvent;
const notification = (...parts: { key: string; at: Date }[]) => JSON.stringify(eventFor(...parts));

describe('trends handler on emulated S3', () => {
  let local: TestEmulators;
  beforeAll(async () => {
    local = await startTestEmulators();
    await local.s3.send(new CreateBucketCommand({ Bucket: 'data' }));
    await local.s3.send(new CreateBucketCommand({ Bucket: 'site' }));
  });
  afterAll(() => local?.stop());

  const putPart = async (round: number, shard: string, first: string, scored: number, retained: number) => {
    const key = trendPartKey(round, shard, first);
    await local.s3.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: key,
        Body: JSON.stringify(
          trendPart({ round, scored, retained, expectedRetained: scored / 2 }, shard, first, new Date(), {
            modelVersion: 'v1',
            atRisk: [],
          }),
        ),
      }),
    );
    return { key, at: new Date() };
  };
  const siteRounds = async () => {
    const got = await local.s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'data/trends.json' }));
    return JSON.parse(await defined(got.Body, 'the body of trends.json').transformToString()).rounds;
  };
  const update = (event: S3Event) =>
    createTrendsHandler({ s3: local.s3, dataBucket: 'data', siteBucket: 'site' })(event);
  const queue = (event: SQSEvent) =>
    createTrendsHandler({
      s3: local.s3,
      dataBucket: 'data',
      siteBucket: 'site',
      logger: new Logger({ logLevel: 'SILENT' }),
    })(event);

  it('builds, updates per round, skips what an update already counted, and follows overwritten parts', async () => {
    await putPart(0, 'shardId-0', '50', 7, 2);
    await putPart(1, 'shardId-0', '100', 10, 4);
    const b = await putPart(1, 'shardId-1', '200', 5, 5);
    expect(await update(eventFor(b))).toEqual({ rebuilt: [1], skipped: [] });
    expect(await siteRounds()).toEqual([
      { round: 0, scored: 7, retained: 2, expectedRetained: 3.5 },
      { round: 1, scored: 15, retained: 9, expectedRetained: 7.5 },
    ]);

    // Queued events for parts that update already counted: nothing new, nothing written.
    const written = await local.s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'data/trends.json' }));
    expect(await update(eventFor(b))).toEqual({ rebuilt: [], skipped: [1] });
    const after = await local.s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'data/trends.json' }));
    expect(after.ETag).toBe(written.ETag);

    // A retried batch overwrites its part and a new round appears; round 0 (changed here
    // without an event, which never happens) shows that only the named rounds are recounted.
    await putPart(0, 'shardId-0', '50', 100, 100);
    const again = await putPart(1, 'shardId-0', '100', 12, 6);
    const next = await putPart(2, 'shardId-0', '300', 3, 1);
    expect(await update(eventFor(again, next))).toEqual({ rebuilt: [1, 2], skipped: [] });
    expect(await siteRounds()).toEqual([
      { round: 0, scored: 7, retained: 2, expectedRetained: 3.5 },
      { round: 1, scored: 17, retained: 11, expectedRetained: 8.5 },
      { round: 2, scored: 3, retained: 1, expectedRetained: 1.5 },
    ]);
  });

  it('recounts a round from all its parts when its ledger is lost, and gives the same point again', async () => {
    const first = await putPart(7, 'shardId-0', '700', 6, 1);
    await putPart(7, 'shardId-1', '701', 4, 4);
    expect(await update(eventFor(first))).toEqual({ rebuilt: [7], skipped: [] });
    const point = (await siteRounds()).find((r: { round: number }) => r.round === 7);
    expect(point).toEqual({ round: 7, scored: 10, retained: 5, expectedRetained: 5 });

    // A failure after trends.json was written but before the ledger: the retry reads every part again.
    await local.s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: roundLedgerKey(7) }));
    expect(await update(eventFor(first))).toEqual({ rebuilt: [], skipped: [7] });
    expect((await siteRounds()).find((r: { round: number }) => r.round === 7)).toEqual(point);
    // The ledger is back: the next event changes nothing.
    expect(await update(eventFor(first))).toEqual({ rebuilt: [], skipped: [7] });
  });

  it('as the Lambda entry, builds its client and buckets from the environment on the first invocation', async () => {
    const part = await putPart(3, 'shardId-0', '400', 4, 3);
    const names = { DATA_BUCKET: 'data', SITE_BUCKET: 'site' };
    const restore = pointSdkAtEmulators(local);
    try {
      for (const name of Object.keys(names)) delete process.env[name];
      await expect(handler(eventFor(part), undefined)).rejects.toThrow(/DATA_BUCKET is not set/);
      Object.assign(process.env, names);
      expect(await handler(eventFor(part), undefined)).toEqual({ rebuilt: [3], skipped: [] });
    } finally {
      for (const name of Object.keys(names)) delete process.env[name];
      restore();
    }
    expect((await siteRounds()).find((r: { round: number }) => r.round === 3)).toEqual({
      round: 3,
      scored: 4,
      retained: 3,
      expectedRetained: 2,
    });
  });

  it('counts every round a queue batch names in one invocation, and changes nothing when the batch comes again', async () => {
    const parts = [
      await putPart(20, 'shardId-0', '2000', 4, 1),
      await putPart(20, 'shardId-1', '2001', 6, 3),
      await putPart(21, 'shardId-0', '2100', 5, 5),
    ];
    const batch = queueEvent(...parts.map((p) => notification(p)), notification(parts[0]!));
    expect(await queue(batch)).toEqual({ batchItemFailures: [] });
    const rounds = await siteRounds();
    expect(rounds.filter((r: { round: number }) => r.round >= 20)).toEqual([
      { round: 20, scored: 10, retained: 4, expectedRetained: 5 },
      { round: 21, scored: 5, retained: 5, expectedRetained: 2.5 },
    ]);
    const written = await local.s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'data/trends.json' }));
    expect(await queue(batch)).toEqual({ batchItemFailures: [] });
    const again = await local.s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'data/trends.json' }));
    expect(again.ETag).toBe(written.ETag);
  });

  it("consumes S3's test message and fails only what cannot be counted: a stranger message, a broken round's", async () => {
    const good = await putPart(22, 'shardId-0', '2200', 3, 2);
    const broken = trendPartKey(23, 'shardId-0', '2300');
    await local.s3.send(new PutObjectCommand({ Bucket: 'data', Key: broken, Body: '{"formatVersion": 9}' }));
    const testEvent = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'data' });
    const batch = queueEvent(
      notification(good),
      testEvent,
      'not json',
      '{"hello": 1}',
      notification({ key: broken, at: new Date() }),
    );
    expect(await queue(batch)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }, { itemIdentifier: 'm4' }],
    });
    expect((await siteRounds()).find((r: { round: number }) => r.round === 22)).toEqual({
      round: 22,
      scored: 3,
      retained: 2,
      expectedRetained: 1.5,
    });
  });
});
