/**
 * Inputs that used to pass silently, now failing loudly through the extract handler on
 * emulated S3: a week mostly rejected, a failed part in a week of parts, the same content in
 * two parts, and part file names that used to share one part id.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Event } from 'aws-lambda';
import { partIdOf } from '#aws/extraction/keys.ts';
import { s3Store } from '#aws/s3-store.ts';
import { createExtractHandler, type ExtractOutcome } from '#handlers/extraction/extract.ts';
import { createRejoinHandler } from '#handlers/extraction/rejoin.ts';
import { CRM, PROFILES, eventLine, startS3Fixture, type S3Fixture } from './extract-fixtures.ts';

describe('extract handler: failures a person sees', () => {
  let s3: S3Fixture;
  let extract: (event: S3Event) => Promise<ExtractOutcome[]>;
  let rejoin: (event: S3Event) => Promise<unknown>;

  beforeAll(async () => {
    s3 = await startS3Fixture('data');
    const store = s3Store(s3.s3, s3.bucket);
    const logger = new Logger({ logLevel: 'CRITICAL' });
    extract = createExtractHandler({ bucket: s3.bucket, store, baseWeek: '2017-W19', logger });
    rejoin = createRejoinHandler({ store, logger });
    await s3.put('raw/crm/crm_info.data', CRM);
    await s3.put('raw/profiles/nosql_user_profile.data', PROFILES);
  });
  afterAll(() => s3?.stop());

  const manifestOf = async (week: string, partId: string) =>
    JSON.parse(await s3.text(`extracted/week=${week}/part=${partId}/manifest.json`)) as Record<string, unknown>;
  /** Lines of numbered week `week` by users 10 and 11, `n` of them. */
  const goodLines = (week: string, n: number, offset = 0) =>
    Array.from({ length: n }, (_, i) =>
      eventLine(week, 10 + (i % 2), i % 2, 'PC', 'INSPECT', 100 + i + offset, 1),
    ).join('\n') + '\n';

  it('fails a week whose lines fall outside it: the manifest says failed and why, no _COMPLETE.json', async () => {
    const key = 'raw/events/user_events_week20.log';
    await s3.put(key, goodLines('3', 10)); // week 3's dates in a file named week 20
    const failure = await extract(s3.event(key)).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toBe('ExtractionFailedError');
    expect((failure as Error).message).toBe(
      `${key}: 10 of 10 lines rejected (100 %: outside_week 10), nothing accepted; ` +
        "the events' times are not in the week's dates: name the file by the ISO week its events fall in " +
        '(user_events_2026-W05.log), or give the right base week for numbered weeks',
    );
    expect(await manifestOf('20', 'user_events_week20.log')).toMatchObject({
      linesRead: 10,
      accepted: 0,
      verdict: { status: 'failed', message: (failure as Error).message },
    });
    expect(await s3.keys('extracted/week=20/_COMPLETE')).toEqual([]);
  });

  it('takes a numbered week’s events from any dates when no base week is set (the default)', async () => {
    const calendarless = createExtractHandler({
      bucket: s3.bucket,
      store: s3Store(s3.s3, s3.bucket),
      logger: new Logger({ logLevel: 'CRITICAL' }),
    });
    const key = 'raw/events/user_events_week40.log';
    await s3.put(key, `1\t10\t0\tPC\t${Date.UTC(2026, 0, 7) / 1000}\tINSPECT\t1\n`);
    expect(await calendarless(s3.event(key))).toMatchObject([{ complete: true, verdict: 'ok' }]);
    const manifest = await manifestOf('40', 'user_events_week40.log');
    expect(manifest).toMatchObject({ linesRead: 1, accepted: 1, verdict: { status: 'ok' } });
    expect(manifest).not.toHaveProperty('baseWeek');
  });

  it('leaves a failed part failed when a table arrives (its lines are the problem, not the tables)', async () => {
    const before = await manifestOf('20', 'user_events_week20.log');
    await s3.put('raw/profiles/nosql_user_profile.data', PROFILES + '13\t1\t50\n');
    await rejoin(s3.event('raw/profiles/nosql_user_profile.data'));
    expect(await manifestOf('20', 'user_events_week20.log')).toEqual(before);
  });

  it('keeps a week in parts incomplete while one of its parts is failed', async () => {
    const folder = 'raw/events/week=30/';
    await s3.put(`${folder}good.log`, goodLines('30', 4));
    await s3.put(`${folder}bad.log`, 'not an event line\n'.repeat(5));
    await s3.put(`${folder}_SUCCESS`, 'good.log\nbad.log\n');
    expect(await extract(s3.event(`${folder}good.log`))).toMatchObject([{ complete: false, verdict: 'ok' }]);
    await expect(extract(s3.event(`${folder}bad.log`))).rejects.toThrow(
      /^raw\/events\/week=30\/bad\.log: 5 of 5 lines rejected \(100 %: field_count 5\), nothing accepted; expected 7 tab-separated fields/,
    );
    expect(await extract(s3.event(`${folder}_SUCCESS`))).toMatchObject([{ week: '30', complete: false }]);
    expect(await s3.keys('extracted/week=30/_COMPLETE')).toEqual([]);
  });

  it('fails a week whose parts have the same content, naming both, instead of counting it twice', async () => {
    const folder = 'raw/events/week=31/';
    const lines = goodLines('31', 6);
    await s3.put(`${folder}_SUCCESS`, 'a.log\nb.tsv\n');
    await s3.put(`${folder}a.log`, lines);
    await s3.put(`${folder}b.tsv`, lines); // another name, the same bytes
    expect(await extract(s3.event(`${folder}a.log`))).toMatchObject([{ complete: false }]);
    const failure = await extract(s3.event(`${folder}b.tsv`)).catch((error: Error) => error);
    expect((failure as Error).name).toBe('WeekFailedError');
    expect((failure as Error).message).toMatch(
      /^week 31: raw\/events\/week=31\/a\.log and raw\/events\/week=31\/b\.tsv have the same content \(sha256 [0-9a-f]{16}…\): the week would count every event twice/,
    );
    expect(await s3.keys('extracted/week=31/_COMPLETE')).toEqual([]);
  });

  it('gives part 1.log, part_1.log, part_1.tsv and part_1.log.gz their own parts: the week counts all four', async () => {
    const folder = 'raw/events/week=32/';
    const names = ['part 1.log', 'part_1.log', 'part_1.tsv', 'part_1.log.gz'];
    await s3.put(`${folder}_SUCCESS`, names.join('\n') + '\n');
    const outcomes: ExtractOutcome[] = [];
    for (const [i, name] of names.entries()) {
      const lines = goodLines('32', i + 1, 1000 * i);
      await s3.put(`${folder}${name}`, name.endsWith('.gz') ? gzipSync(lines) : lines);
      outcomes.push(...(await extract(s3.event(`${folder}${name}`))));
    }
    const ids = names.map(partIdOf);
    expect(outcomes.map((o) => o.part)).toEqual(ids);
    expect(outcomes.at(-1)?.complete).toBe(true);
    const marker = JSON.parse(await s3.text('extracted/week=32/_COMPLETE.json')) as { parts: string[] };
    expect(marker.parts).toEqual([...ids].sort());
    const lines = await Promise.all(ids.map(async (id) => (await manifestOf('32', id)).linesRead));
    expect(lines).toEqual([1, 2, 3, 4]);
  });
});
