/**
 * The trends Lambda on emulated S3: the first event builds data/trends.json from every part;
 * later events recount only their round; an event whose part is older than its round's last
 * recount is skipped; a part overwritten by a retried batch replaces its counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { pointSdkAtEmulators, startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { createTrendsHandler, handler } from '#handlers/prediction/trends.ts';
import { CLOCK_MARGIN_MS, trendPart, trendPartKey } from '#core/prediction/trends.ts';
import { encodeEventKey } from '#infra/local/s3-event.ts';
import { defined } from '#test/support/defined.ts';

const eventFor = (...parts: { key: string; at: Date }[]) =>
  ({
    Records: parts.map((p) => ({ eventTime: p.at.toISOString(), s3: { object: { key: encodeEventKey(p.key) } } })),
  }) as unknown as S3Event;

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
        Body: JSON.stringify(trendPart({ round, scored, retained }, shard, first, new Date())),
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

  it('builds, recounts per round, skips what a recount already listed, and follows overwritten parts', async () => {
    await putPart(0, 'shardId-0', '50', 7, 2);
    await putPart(1, 'shardId-0', '100', 10, 4);
    const b = await putPart(1, 'shardId-1', '200', 5, 5);
    expect(await update(eventFor(b))).toEqual({ rebuilt: [1], skipped: [] });
    expect(await siteRounds()).toEqual([
      { round: 0, scored: 7, retained: 2 },
      { round: 1, scored: 15, retained: 9 },
    ]);

    // Queued events for parts written before that recount started: nothing new.
    const old = new Date(Date.now() - CLOCK_MARGIN_MS - 1000);
    expect(await update(eventFor({ key: b.key, at: old }))).toEqual({ rebuilt: [], skipped: [1] });

    // A retried batch overwrites its part and a new round appears; round 0 (changed here
    // without an event, which never happens) shows that only the named rounds are recounted.
    await putPart(0, 'shardId-0', '50', 100, 100);
    const again = await putPart(1, 'shardId-0', '100', 12, 6);
    const next = await putPart(2, 'shardId-0', '300', 3, 1);
    expect(await update(eventFor(again, next))).toEqual({ rebuilt: [1, 2], skipped: [] });
    expect(await siteRounds()).toEqual([
      { round: 0, scored: 7, retained: 2 },
      { round: 1, scored: 17, retained: 11 },
      { round: 2, scored: 3, retained: 1 },
    ]);
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
    expect((await siteRounds()).at(-1)).toEqual({ round: 3, scored: 4, retained: 3 });
  });
});
