/**
 * Interleavings of the extract and rejoin handlers on emulated S3, driven step by step (a
 * run is paused at a chosen point through its deps or its store, never by sleeping): an
 * older run of a re-uploaded key publishes nothing, an event naming a replaced object
 * extracts nothing, and a rejoin whose tables change under it ends with the newest ones.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Event } from 'aws-lambda';
import { rejoinAllParts } from '#aws/extraction/rejoin-parts.ts';
import { s3Store } from '#aws/s3-store.ts';
import type { ObjectStore } from '#core/storage/port.ts';
import { createExtractHandler, type ExtractDeps, type ExtractOutcome } from '#handlers/extraction/extract.ts';
import { CRM, PROFILES, eventLine, featureRows, startS3Fixture, type S3Fixture } from './extract-fixtures.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The bucket, with `before` awaited once before the first write whose key matches `pattern`. */
function pausingBefore(store: ObjectStore, pattern: RegExp, before: () => Promise<void>): ObjectStore {
  let done = false;
  const once = async (key: string) => {
    if (done || !pattern.test(key)) return;
    done = true;
    await before();
  };
  return {
    where: (key) => store.where(key),
    read: (key, options) => store.read(key, options),
    head: (key) => store.head(key),
    list: (prefix) => store.list(prefix),
    write: async (key, body, options) => (await once(key), store.write(key, body, options)),
    writeStream: async (key, chunks, options) => (await once(key), store.writeStream(key, chunks, options)),
  };
}

describe('extraction races on emulated S3', () => {
  let s3: S3Fixture;
  let store: ObjectStore;
  const logger = new Logger({ logLevel: 'CRITICAL' });
  const extractor = (deps: Partial<ExtractDeps> = {}): ((event: S3Event) => Promise<ExtractOutcome[]>) =>
    createExtractHandler({ bucket: s3.bucket, store, baseWeek: '2017-W19', logger, ...deps });

  beforeAll(async () => {
    s3 = await startS3Fixture('data');
    store = s3Store(s3.s3, s3.bucket);
    await s3.put('raw/crm/crm_info.data', CRM);
    await s3.put('raw/profiles/nosql_user_profile.data', PROFILES);
  });
  afterAll(() => s3?.stop());

  const weekOf = (week: string, users: number[]) =>
    users.map((u, i) => eventLine(week, u, 0, 'PC', 'INSPECT', 100 + i, 1)).join('\n') + '\n';

  it('lets the newer upload of a key win when an older, slower run of it finishes last', async () => {
    const key = 'raw/events/user_events_week0.log';
    const older = weekOf('0', [10, 11]);
    const newer = weekOf('0', [12]);
    await s3.put(key, older);
    const olderEvent = s3.event(key);
    const paused = Promise.withResolvers<void>();
    const resume = Promise.withResolvers<void>();
    let pausedOnce = false;
    const slow = extractor({
      beforeOutput: async () => {
        if (pausedOnce) return;
        pausedOnce = true;
        paused.resolve();
        await resume.promise;
      },
    });
    const olderRun = slow(olderEvent);
    await paused.promise; // the older run has read its object and is about to write its first output
    await s3.put(key, newer);
    expect(await extractor()(s3.event(key))).toMatchObject([{ complete: true, verdict: 'ok' }]);
    resume.resolve();
    expect(await olderRun).toEqual([
      { key, week: '0', part: 'user_events_week0.log', complete: false, superseded: true },
    ]);
    const part = 'extracted/week=0/part=user_events_week0.log/';
    const manifest = JSON.parse(await s3.text(`${part}manifest.json`));
    expect(manifest.sources[0]).toMatchObject({ name: key, sha256: sha256(newer) });
    expect(await s3.text(`${part}active_users.txt`)).toBe('12\n');
    expect(featureRows(await s3.text(`${part}features.tsv.gz`)).map((r) => r[0])).toEqual(['12']);
  });

  it('extracts nothing for an event whose object was replaced before the run began', async () => {
    const key = 'raw/events/user_events_week1.log';
    await s3.put(key, weekOf('1', [10]));
    const stale = s3.event(key);
    await s3.put(key, weekOf('1', [11]));
    expect(await extractor()(stale)).toMatchObject([{ superseded: true, complete: false }]);
    expect(await s3.keys('extracted/week=1/')).toEqual([]);
    expect(await extractor()(s3.event(key))).toMatchObject([{ complete: true }]);
  });

  it('joins again when a table is replaced during a rejoin, and writes the week marker once', async () => {
    const newest = PROFILES.replace('12\t0\t22', '12\t1\t61');
    const racing = pausingBefore(store, /\/manifest\.json$/, () =>
      s3.put('raw/profiles/nosql_user_profile.data', newest),
    );
    await s3.put('raw/crm/crm_info.data', CRM + '2\tBANK\tUS-CA\tGOOGLE\n');
    const result = await rejoinAllParts(racing);
    expect(result.markersRewritten).toEqual(['extracted/week=0/_COMPLETE.json', 'extracted/week=1/_COMPLETE.json']);
    const part = 'extracted/week=0/part=user_events_week0.log/';
    const manifest = JSON.parse(await s3.text(`${part}manifest.json`));
    expect(manifest.sources.find((s: { kind: string }) => s.kind === 'profiles')?.sha256).toBe(sha256(newest));
    // user 12 as the newest profile table has it: gender 1, age 61
    expect(featureRows(await s3.text(`${part}features.tsv.gz`)).map((r) => [r[0], ...r.slice(-2)])).toEqual([
      ['12', '1', '61'],
    ]);
    expect(await rejoinAllParts(store)).toEqual({ parts: [], markersRewritten: [] });
  });

  it('streams a table with many bad lines into every part’s rejects, the first 1,000 kept and the rest counted', async () => {
    const bad = Array.from({ length: 20_000 }, (_, i) => `${100 + i}\t7\t30`).join('\n') + '\n';
    await s3.put('raw/profiles/nosql_user_profile.data', PROFILES + bad);
    const result = await rejoinAllParts(store);
    expect(result.parts.map((p) => p.partId).sort()).toEqual(['user_events_week0.log', 'user_events_week1.log']);
    const rejects = (await s3.text('extracted/week=1/part=user_events_week1.log/rejects.jsonl.gz'))
      .trimEnd()
      .split('\n');
    expect(rejects).toHaveLength(1_000);
    expect(JSON.parse(rejects.at(-1) ?? '{}')).toMatchObject({
      source: 'raw/profiles/nosql_user_profile.data',
      line: 1_003,
      reason: 'bad_gender',
    });
    const manifest = JSON.parse(await s3.text('extracted/week=1/part=user_events_week1.log/manifest.json'));
    expect(manifest.tables.profiles.rejected).toEqual({ bad_gender: 20_000 });
    expect(manifest.rejectsKept.notKept).toEqual({ bad_gender: 19_000 });
  });
});
