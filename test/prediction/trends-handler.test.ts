/**
 * The trends Lambda on emulated S3: rebuilds data/trends.json from every part, and skips an
 * event whose part was written before the last rebuild started (that rebuild listed it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { startTestEmulators, type TestEmulators } from '../support/emulators.ts';
import { rebuildIfNewer } from '../../functions/handlers/trends.ts';
import { trendPart, trendPartKey } from '../../functions/core/prediction/trends.ts';

const eventAt = (key: string, at: Date) => ({ Records: [{ eventTime: at.toISOString(), s3: { object: { key } } }] }) as unknown as S3Event;

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
    await local.s3.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: JSON.stringify(trendPart({ round, scored, retained }, shard, first, new Date())) }));
    return key;
  };
  const siteTrends = async () => JSON.parse(await (await local.s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'data/trends.json' }))).Body!.transformToString());

  it('rebuilds one point per round from all parts, then skips events older than that rebuild', async () => {
    await putPart(1, 'shardId-0', '100', 10, 4);
    await putPart(0, 'shardId-0', '50', 7, 2);
    const key = await putPart(1, 'shardId-1', '200', 5, 5);
    const written = new Date();
    expect(await rebuildIfNewer(local.s3, 'data', 'site', eventAt(key, written))).toEqual({ rebuilt: true, rounds: 2 });
    const first = await siteTrends();
    expect(first.rounds).toEqual([{ round: 0, scored: 7, retained: 2 }, { round: 1, scored: 15, retained: 9 }]);

    // A queued event for a part written before that rebuild: nothing new to count.
    expect(await rebuildIfNewer(local.s3, 'data', 'site', eventAt(key, new Date(written.getTime() - 1)))).toEqual({ rebuilt: false });

    const later = await putPart(2, 'shardId-0', '300', 3, 1);
    await new Promise((r) => setTimeout(r, 5));
    expect(await rebuildIfNewer(local.s3, 'data', 'site', eventAt(later, new Date()))).toEqual({ rebuilt: true, rounds: 3 });
    expect((await siteTrends()).rounds.at(-1)).toEqual({ round: 2, scored: 3, retained: 1 });
  });
});
