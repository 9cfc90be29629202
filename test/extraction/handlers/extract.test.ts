/**
 * The extract and rejoin handlers on emulated S3 (fauxqs through the real SDK), invoked with
 * S3Events shaped as AWS sends them: what lands under extracted/, when a week is marked
 * complete, and what a failure looks like.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Event } from 'aws-lambda';
import { RAW_TABLES } from '#aws/extraction/keys.ts';
import { s3Store } from '#aws/s3-store.ts';
import { readJoinTables, tablesChangedSince } from '#core/extraction/sources.ts';
import { DEFAULT_CATEGORIES } from '#core/schema.ts';
import { createExtractHandler, handler } from '#handlers/extraction/extract.ts';
import { createRejoinHandler } from '#handlers/extraction/rejoin.ts';
import { CRM, PROFILES, eventLine, featureRows, startS3Fixture, type S3Fixture } from './extract-fixtures.ts';
import { defined } from '#test/support/defined.ts';

type Handler = (event: S3Event) => Promise<unknown>;

/** The extract and rejoin handlers on one bucket of the fixture's emulated S3. */
function handlersOn(
  fixture: S3Fixture,
  options: { maxRejectedShare?: number } = {},
): { extract: Handler; rejoin: Handler } {
  const store = s3Store(fixture.s3, fixture.bucket);
  const logger = new Logger({ logLevel: 'CRITICAL' });
  return {
    extract: createExtractHandler({ bucket: fixture.bucket, store, baseWeek: '2017-W19', logger, ...options }),
    rejoin: createRejoinHandler({ store, logger }),
  };
}

describe('extract handler on emulated S3', () => {
  let s3: S3Fixture;
  let extract: Handler;
  let rejoin: Handler;

  beforeAll(async () => {
    s3 = await startS3Fixture('data');
    ({ extract, rejoin } = handlersOn(s3));
    await s3.put('raw/crm/crm_info.data', CRM);
    await s3.put('raw/profiles/nosql_user_profile.data', PROFILES);
  });
  afterAll(() => s3?.stop());

  const week0 =
    [
      eventLine('0', 10, 0, 'PC', 'INSPECT', 100, 1),
      eventLine('0', 10, 0, 'PC', 'VIEW_REPORT', 200),
      eventLine('0', 11, 1, 'IPHONE', 'INSPECT', 300, 1),
    ].join('\n') + '\n';

  it('extracts a plain week into its part folder and marks the week complete', async () => {
    await s3.put('raw/events/user_events_week0.log', week0);
    await extract(s3.event('raw/events/user_events_week0.log'));
    const part = 'extracted/week=0/part=user_events_week0.log/';
    expect(await s3.keys('extracted/week=0/')).toEqual([
      'extracted/week=0/_COMPLETE.json',
      `${part}active_users.txt`,
      `${part}features.tsv.gz`,
      `${part}manifest.json`,
      `${part}rejects.jsonl.gz`,
      `${part}user_counts.tsv.gz`,
    ]);
    const manifest = JSON.parse(await s3.text(`${part}manifest.json`));
    expect(manifest).toMatchObject({ formatVersion: 2, week: '0', linesRead: 3, accepted: 3, users: 2, joined: 2 });
    expect(manifest.sources.map((s: { kind: string; name: string }) => `${s.kind}:${s.name}`)).toEqual([
      'events:raw/events/user_events_week0.log',
      'crm:raw/crm/crm_info.data',
      'profiles:raw/profiles/nosql_user_profile.data',
    ]);
    const rows = featureRows(await s3.text(`${part}features.tsv.gz`));
    expect(rows.map((r) => r.slice(0, 5))).toEqual([
      ['10', '0', 'BANK', 'US-CA', 'GOOGLE'],
      ['11', '0', 'HEALTH', 'CN-BJ', 'TWITTER'],
    ]);
    expect(await s3.text(`${part}active_users.txt`)).toBe('10\n11\n');
    expect(JSON.parse(await s3.text('extracted/week=0/_COMPLETE.json'))).toEqual({
      formatVersion: 1,
      week: '0',
      layout: 'single',
      parts: ['user_events_week0.log'],
      manifests: [`${part}manifest.json`],
    });
  });

  it('streams a gzipped week to the same features as the plain one', async () => {
    await s3.put(
      'raw/events/user_events_week1.log.gz',
      gzipSync(week0.replaceAll(/\t(\d+)\t(INSPECT|VIEW_REPORT)/g, (_, t, e) => `\t${Number(t) + 7 * 86_400}\t${e}`)),
    );
    await extract(s3.event('raw/events/user_events_week1.log.gz'));
    const plain = featureRows(await s3.text('extracted/week=0/part=user_events_week0.log/features.tsv.gz'));
    const gz = featureRows(await s3.text('extracted/week=1/part=user_events_week1.log.gz/features.tsv.gz'));
    expect(gz.map((r) => [r[0], ...r.slice(2)])).toEqual(plain.map((r) => [r[0], ...r.slice(2)]));
    expect(gz.every((r) => r[1] === '1')).toBe(true);
  });

  it('keeps going past bad lines: each is rejected with its reason, the object succeeds (dirty, under the limit set)', async () => {
    const dirty =
      [
        eventLine('2', 10, 0, 'PC', 'INSPECT', 100, 1),
        eventLine('2', 11, 1, 'BOGUS', 'INSPECT', 100),
        eventLine('2', 12, 0, 'PC', 'INSPECT', 30 * 86_400),
        'not\ta\tline',
        '',
        eventLine('2', 12, 0, 'IPAD', 'SHARE_REPORT', 500, 1),
      ].join('\r\n') + '\r\n';
    await s3.put('raw/events/user_events_week2.log', dirty);
    const lenient = handlersOn(s3, { maxRejectedShare: 0.7 }).extract;
    expect(await lenient(s3.event('raw/events/user_events_week2.log'))).toMatchObject([{ verdict: 'dirty' }]);
    const part = 'extracted/week=2/part=user_events_week2.log/';
    const manifest = JSON.parse(await s3.text(`${part}manifest.json`));
    expect(manifest).toMatchObject({
      linesRead: 6,
      accepted: 2,
      rejected: { unknown_platform: 1, outside_week: 1, field_count: 1, empty_line: 1 },
    });
    const rejects = (await s3.text(`${part}rejects.jsonl.gz`))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([
      [2, 'unknown_platform'],
      [3, 'outside_week'],
      [4, 'field_count'],
      [5, 'empty_line'],
    ]);
    expect(rejects[0].source).toBe('raw/events/user_events_week2.log');
  });

  it('replaces its own output when the same object is uploaded again', async () => {
    const again = eventLine('0', 12, 0, 'ANDROID', 'INSPECT', 100, 1) + '\n';
    await s3.put('raw/events/user_events_week0.log', again);
    await extract(s3.event('raw/events/user_events_week0.log'));
    const manifests = (await s3.keys('extracted/week=0/')).filter((k) => k.endsWith('manifest.json'));
    expect(manifests).toEqual(['extracted/week=0/part=user_events_week0.log/manifest.json']);
    expect(JSON.parse(await s3.text(defined(manifests[0], 'a manifest')))).toMatchObject({
      linesRead: 1,
      users: 1,
      joined: 1,
    });
    expect(await s3.text('extracted/week=0/part=user_events_week0.log/active_users.txt')).toBe('12\n');
  });

  it('marks a week in parts complete only when _SUCCESS lists parts that are all extracted', async () => {
    const folder = 'raw/events/week=2026-W10/';
    const line = (user: number) => `${user + 1000}\t${user}\t0\tPC\t${Date.UTC(2026, 2, 3) / 1000}\tINSPECT\t1\n`;
    await s3.put(`${folder}part-0001.log`, line(10));
    expect(await extract(s3.event(`${folder}part-0001.log`))).toEqual([
      { key: `${folder}part-0001.log`, week: '2026-W10', part: 'part-0001.log', complete: false, verdict: 'ok' },
    ]);
    await s3.put(`${folder}_SUCCESS`, 'part-0001.log\npart-0002.log.gz\n');
    await extract(s3.event(`${folder}_SUCCESS`));
    expect(await s3.keys('extracted/week=2026-W10/_COMPLETE')).toEqual([]);
    await s3.put(`${folder}part-0002.log.gz`, gzipSync(line(11)));
    await extract(s3.event(`${folder}part-0002.log.gz`));
    expect(JSON.parse(await s3.text('extracted/week=2026-W10/_COMPLETE.json'))).toMatchObject({
      layout: 'parts',
      parts: ['part-0001.log', 'part-0002.log.gz'],
    });
  });

  const part = 'extracted/week=5/part=user_events_week5.log/';

  /** A bucket where week 5 was extracted before any CRM table arrived (nobody joined to a company). */
  async function weekFiveWithoutCrm(bucket: string) {
    const late = await s3.otherBucket(bucket);
    const lateHandlers = handlersOn(late);
    await late.put('raw/profiles/nosql_user_profile.data', PROFILES);
    await late.put(
      'raw/events/user_events_week5.log',
      week0.replaceAll(/\t(\d{9,})\t/g, (_, t) => `\t${Number(t) + 5 * 7 * 86_400}\t`),
    );
    await lateHandlers.extract(late.event('raw/events/user_events_week5.log'));
    return { late, lateHandlers };
  }

  it('joins a CRM table that arrives after the events when the rejoin handler runs', async () => {
    const { late, lateHandlers } = await weekFiveWithoutCrm('late');
    expect(JSON.parse(await late.text(`${part}manifest.json`))).toMatchObject({
      users: 2,
      joined: 0,
      unmatched: { crm: 2 },
    });
    const markerBefore = await late.text('extracted/week=5/_COMPLETE.json');

    await late.put('raw/crm/crm_info.data', CRM + 'x\tBANK\tUS-CA\tGOOGLE\n');
    await lateHandlers.rejoin(late.event('raw/crm/crm_info.data'));
    const manifest = JSON.parse(await late.text(`${part}manifest.json`));
    expect(manifest).toMatchObject({
      linesRead: 3,
      accepted: 3,
      users: 2,
      joined: 2,
      unmatched: { crm: 0, profile: 0 },
    });
    expect(manifest.sources.map((s: { kind: string }) => s.kind)).toEqual(['events', 'crm', 'profiles']);
    expect(featureRows(await late.text(`${part}features.tsv.gz`)).map((r) => r[2])).toEqual(['BANK', 'HEALTH']);
    const rejects = (await late.text(`${part}rejects.jsonl.gz`))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rejects).toMatchObject([{ source: 'raw/crm/crm_info.data', line: 3, reason: 'bad_number' }]);
    expect(await late.text('extracted/week=5/_COMPLETE.json')).toBe(markerBefore);
  });

  it('keeps the first 1,000 bad lines of a late table per reason, counts the rest, and forgets them when the table is fixed', async () => {
    const { late, lateHandlers } = await weekFiveWithoutCrm('late-many-rejects');
    const rejectsOf = async () => (await late.text(`${part}rejects.jsonl.gz`)).trimEnd().split('\n');

    await late.put('raw/crm/crm_info.data', CRM + 'x\tBANK\tUS-CA\tGOOGLE\n'.repeat(1_500));
    await lateHandlers.rejoin(late.event('raw/crm/crm_info.data'));
    const manifest = JSON.parse(await late.text(`${part}manifest.json`));
    expect(manifest.tables.crm.rejected).toEqual({ bad_number: 1_500 });
    expect(manifest.rejectsKept).toEqual({ perReason: 1_000, notKept: { bad_number: 500 } });
    expect(await rejectsOf()).toHaveLength(1_000);

    await late.put('raw/crm/crm_info.data', CRM);
    await lateHandlers.rejoin(late.event('raw/crm/crm_info.data'));
    expect(JSON.parse(await late.text(`${part}manifest.json`)).rejectsKept).toEqual({ perReason: 1_000, notKept: {} });
    expect(await rejectsOf()).toEqual(['']);
  });

  it('rejoins nothing for an object under raw/crm/ that is not the CRM table', async () => {
    const before = await s3.text('extracted/week=0/part=user_events_week0.log/manifest.json');
    await s3.put('raw/crm/notes.txt', 'not a table');
    expect(await rejoin(s3.event('raw/crm/notes.txt'))).toBeUndefined();
    expect(await s3.text('extracted/week=0/part=user_events_week0.log/manifest.json')).toBe(before);
  });

  it('notices a table added or replaced after it was read (the extract handler then joins its part again)', async () => {
    const other = await s3.otherBucket('tables');
    const store = s3Store(other.s3, 'tables');
    const read = () =>
      readJoinTables(store, RAW_TABLES, DEFAULT_CATEGORIES, { onReject: () => {}, absentIsEmpty: true });
    await other.put('raw/crm/crm_info.data', CRM);
    const tables = await read();
    expect(await tablesChangedSince(store, tables)).toBe(false);
    await other.put('raw/profiles/nosql_user_profile.data', PROFILES); // was absent
    expect(await tablesChangedSince(store, tables)).toBe(true);
    const again = await read();
    await other.put('raw/crm/crm_info.data', CRM + '2\tBANK\tUS-CA\tGOOGLE\n'); // replaced
    expect(await tablesChangedSince(store, again)).toBe(true);
  });

  it('fails a corrupt gzip with an error naming the object and the reason, writing no manifest', async () => {
    const gzip = gzipSync(week0);
    await s3.put('raw/events/user_events_week9.log.gz', gzip.subarray(0, gzip.length - 10)); // cut short
    await expect(extract(s3.event('raw/events/user_events_week9.log.gz'))).rejects.toThrow(
      /^s3:\/\/data\/raw\/events\/user_events_week9\.log\.gz: not a valid gzip stream \(unexpected end of file\)$/,
    );
    expect((await s3.keys('extracted/week=9/')).filter((k) => k.endsWith('manifest.json'))).toEqual([]);
  });

  it('fails an object whose name says no week, telling how to name it', async () => {
    await s3.put('raw/events/events.log', week0);
    await expect(extract(s3.event('raw/events/events.log'))).rejects.toThrow(/cannot tell the week from the name/);
  });

  it('refuses an event for another bucket than its own', async () => {
    const other = await s3.otherBucket('elsewhere');
    await other.put('raw/events/user_events_week0.log', week0);
    await expect(extract(other.event('raw/events/user_events_week0.log'))).rejects.toThrow(
      'event for s3://elsewhere/raw/events/user_events_week0.log, but this function works on data',
    );
    expect(await other.keys('extracted/')).toEqual([]);
  });

  it('as the Lambda entry, builds its bucket from DATA_BUCKET and its client from the environment on first use', async () => {
    process.env.DATA_BUCKET = 'data';
    process.env.LOG_LEVEL = 'CRITICAL';
    try {
      const week4 = week0.replaceAll(/\t(\d{9,})\t/g, (_, t) => `\t${Number(t) + 4 * 7 * 86_400}\t`);
      await s3.put('raw/events/user_events_week4.log', week4);
      expect(await handler(s3.event('raw/events/user_events_week4.log'), {})).toEqual([
        {
          key: 'raw/events/user_events_week4.log',
          week: '4',
          part: 'user_events_week4.log',
          complete: true,
          verdict: 'ok',
        },
      ]);
    } finally {
      delete process.env.DATA_BUCKET;
      delete process.env.LOG_LEVEL;
    }
  });

  it('fails a missing object (deleted after the event) as a readable error', async () => {
    await expect(extract(s3.event('raw/events/user_events_week7.log'))).rejects.toThrow(
      /user_events_week7\.log: no such object/,
    );
  });
});
