/**
 * `--dirty`: every kind of malformed line is injected into the logs and tables, and the
 * extractor rejects exactly what dirty_expected.json announces (and accepts CRLF lines).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { DEFAULT_BASE_WEEK } from '#core/weeks.ts';
import { extractEvents, parseCrmTable, parseProfileTable, type Reject } from '#core/extraction/index.ts';
import { defined } from '#test/support/defined.ts';
import { demo, type Demo } from './fixtures.ts';

const ALL_EVENT_FAULTS = [
  'empty_line',
  'field_count',
  'bad_number',
  'negative_id',
  'unknown_platform',
  'bad_timestamp',
  'unknown_event_type',
  'bad_first_event',
  'outside_week',
  'invalid_utf8',
  'line_too_long',
];

interface Expected {
  valid: number;
  crlf: number;
  rejected: Record<string, number>;
}

function byReason(rejects: Reject[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rejects) out[r.reason] = (out[r.reason] ?? 0) + 1;
  return out;
}

function crlfLines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 1; i < bytes.length; i++) if (bytes[i] === 10 && bytes[i - 1] === 13) n++;
  return n;
}

describe('seed --dirty', () => {
  let d: Demo;
  /** A file's entry in dirty_expected.json (throws when it has none). */
  let expected: (name: string) => Expected;
  let expectedNames: string[];
  beforeAll(async () => {
    d = await demo({ users: 1000, weeks: 2, seed: 11, dirty: 0.02, gzip: true });
    const files = JSON.parse(d.text('dirty_expected.json')).files as Record<string, Expected | undefined>;
    expected = (name) => defined(files[name], `${name} in dirty_expected.json`);
    expectedNames = Object.keys(files);
  });

  it('announces every file it dirtied, with every kind of fault', () => {
    expect(expectedNames.sort()).toEqual(
      ['crm_info.data', 'nosql_user_profile.data', 'user_events_week0.log.gz', 'user_events_week1.log.gz'].sort(),
    );
    for (const week of ['0', '1'])
      expect(Object.keys(expected(`user_events_week${week}.log.gz`).rejected).sort()).toEqual(
        [...ALL_EVENT_FAULTS].sort(),
      );
    expect(Object.keys(expected('crm_info.data').rejected).sort()).toEqual(
      [
        'duplicate_key',
        'empty_line',
        'field_count',
        'bad_number',
        'negative_id',
        'unknown_category',
        'invalid_utf8',
        'line_too_long',
      ].sort(),
    );
    expect(Object.keys(expected('nosql_user_profile.data').rejected).sort()).toEqual(
      [
        'duplicate_key',
        'empty_line',
        'field_count',
        'bad_number',
        'negative_id',
        'bad_gender',
        'age_out_of_range',
        'invalid_utf8',
        'line_too_long',
      ].sort(),
    );
  });

  it('mixes about RATE malformed lines into each event log, and CRLF endings into valid lines', () => {
    for (const week of ['0', '1']) {
      const e = expected(`user_events_week${week}.log.gz`);
      const dirty = Object.values(e.rejected).reduce((a, b) => a + b, 0);
      expect(dirty / (dirty + e.valid)).toBeCloseTo(0.02, 2);
      expect(e.valid).toBe(d.week(week).events);
      expect(e.crlf).toBeGreaterThan(0);
      expect(crlfLines(gunzipSync(d.bytes(`user_events_week${week}.log.gz`)))).toBe(e.crlf);
    }
  });

  it('event logs: the extractor rejects exactly the injected lines, by reason, and accepts the rest', async () => {
    for (const week of ['0', '1']) {
      const name = `user_events_week${week}.log.gz`;
      const rejects: Reject[] = [];
      const aggregate = await extractEvents([{ name, chunks: [gunzipSync(d.bytes(name))] }], {
        week,
        // The demo's numbered weeks sit on the calendar from the demo's base week.
        baseWeek: DEFAULT_BASE_WEEK,
        onReject: (r) => rejects.push(r),
      });
      expect(byReason(rejects), name).toEqual(expected(name).rejected);
      expect(aggregate.lineCounts.accepted, name).toBe(expected(name).valid);
    }
  });

  it('tables: the extractor rejects exactly the injected lines, duplicates included', async () => {
    const crmRejects: Reject[] = [];
    const crm = await parseCrmTable(d.bytes('crm_info.data'), {
      name: 'crm_info.data',
      onReject: (r) => crmRejects.push(r),
    });
    expect(byReason(crmRejects)).toEqual(expected('crm_info.data').rejected);
    expect(crm.lineCounts().accepted).toBe(expected('crm_info.data').valid);

    const profileRejects: Reject[] = [];
    const profiles = await parseProfileTable(d.bytes('nosql_user_profile.data'), {
      name: 'nosql_user_profile.data',
      onReject: (r) => profileRejects.push(r),
    });
    expect(byReason(profileRejects)).toEqual(expected('nosql_user_profile.data').rejected);
    expect(profiles.lineCounts().accepted).toBe(expected('nosql_user_profile.data').valid);
  });

  it('writes no dirty_expected.json for a clean run', async () => {
    const clean = await demo({ users: 200, weeks: 1 });
    expect(clean.files.has('dirty_expected.json')).toBe(false);
    expect(clean.text('user_events_week0.log')).not.toContain('\r');
  });
});
