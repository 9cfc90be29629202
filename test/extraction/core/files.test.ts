/** The extracted week's files: features.tsv both ways, active users, rejects, the manifest's invariant. */
import { describe, expect, it } from 'vitest';
import {
  buildManifest,
  FEATURES_TSV_HEADER,
  formatActiveUsers,
  activeUsersChunks,
  formatFeaturesTsv,
  formatManifest,
  formatReject,
  parseActiveUsers,
  parseFeaturesTsv,
  parseManifest,
  parseRejects,
  type FeatureRow,
  type ManifestInput,
} from '#core/extraction/index.ts';
import { DEFAULT_CATEGORIES, FEATURE_NAMES } from '#core/schema.ts';

const row: FeatureRow = {
  userId: 517,
  week: '3',
  features: {
    industry: 'BANK',
    region: 'US-CA',
    social_type: 'GOOGLE',
    iphone: 2,
    android: 0,
    pc: 5,
    ipad: 0,
    other: 0,
    customize_tpl: 1,
    download_tpl: 0,
    share_tpl: 0,
    inspect: 4,
    view_report: 2,
    share_report: 0,
    cancel_inspection: 0,
    gender: 1,
    age: 34,
  },
};

describe('features.tsv', () => {
  it("has the documented header, in the schema's feature order", () => {
    expect(FEATURES_TSV_HEADER).toEqual(['user_id', 'week', ...FEATURE_NAMES]);
    expect(formatFeaturesTsv({ rows: [] })).toBe(
      'user_id\tweek\tindustry\tregion\tsocial_type\tiphone\tandroid\tpc\tipad\tother\tcustomize_tpl\tdownload_tpl\t' +
        'share_tpl\tinspect\tview_report\tshare_report\tcancel_inspection\tgender\tage\n',
    );
  });

  it('reads back what it writes', () => {
    const text = formatFeaturesTsv({ rows: [row, { ...row, userId: 600 }] });
    expect(text.split('\n')[1]).toBe('517\t3\tBANK\tUS-CA\tGOOGLE\t2\t0\t5\t0\t0\t1\t0\t0\t4\t2\t0\t0\t1\t34');
    expect(parseFeaturesTsv(text, { categories: DEFAULT_CATEGORIES })).toEqual([row, { ...row, userId: 600 }]);
  });

  it('refuses damaged files with the line number', () => {
    const good = formatFeaturesTsv({ rows: [row] });
    expect(() => parseFeaturesTsv(good.replace('user_id', 'uid'))).toThrow(/header/);
    expect(() => parseFeaturesTsv(good.replace('\t34\n', '\t34\tx\n'))).toThrow(/line 2: 20 fields/);
    expect(() => parseFeaturesTsv(good.replace('\t1\t34', '\t2\t34'))).toThrow(/line 2: gender/);
    expect(() => parseFeaturesTsv(good.replace('\t5\t', '\t-5\t'))).toThrow(/line 2, pc/);
    expect(() => parseFeaturesTsv(good.replace('BANK', 'FARM'), { categories: DEFAULT_CATEGORIES })).toThrow(
      /unknown industry "FARM"/,
    );
  });
});

describe('active users and rejects', () => {
  it('round-trip', () => {
    expect(parseActiveUsers(formatActiveUsers([1, 5, 9]))).toEqual([1, 5, 9]);
    expect(formatActiveUsers([])).toBe('');
    const ids = [0, 9, 10, 99, 100, 4_294_967_296, 123_456_789_012_345];
    expect(Buffer.concat([...activeUsersChunks(ids)]).toString()).toBe(formatActiveUsers(ids));
    const many = Array.from({ length: 30_000 }, (_, i) => i * 7);
    const chunks = [...activeUsersChunks(many)];
    expect(chunks.length).toBeGreaterThan(1);
    expect(parseActiveUsers(Buffer.concat(chunks).toString())).toEqual(many);
    const reject = { source: 'w.log', line: 4, reason: 'bad_number' as const, raw: 'a\tb "q"' };
    expect(formatReject(reject)).toBe('{"source":"w.log","line":4,"reason":"bad_number","raw":"a\\tb \\"q\\""}\n');
    expect(parseRejects(formatReject(reject) + formatReject(reject))).toEqual([reject, reject]);
  });
});

describe('manifest', () => {
  const input: ManifestInput = {
    week: '3',
    baseWeek: '2017-W19',
    verdict: { status: 'dirty', message: 'user_events_week3.log: 3 of 10 lines rejected' },
    rejectsKept: { perReason: 1000, notKept: { outside_week: 0 } },
    sources: [{ kind: 'events', name: 'user_events_week3.log', bytes: 100, sha256: 'ab'.repeat(32) }],
    events: { linesRead: 10, accepted: 7, rejected: { outside_week: 2, bad_number: 1 } },
    extracted: { users: 4, joined: 3, unmatched: { crm: 1, profile: 0 } },
    crm: { linesRead: 2, accepted: 2, rejected: {}, rows: 2 },
    profiles: { linesRead: 5, accepted: 4, rejected: { duplicate_key: 1 }, rows: 4 },
  };

  it('lists reasons in code order and reads back', () => {
    const m = buildManifest(input);
    expect(Object.keys(m.rejected)).toEqual(['bad_number', 'outside_week']);
    expect(m.formatVersion).toBe(2);
    expect(m.rejectsKept.notKept).toEqual({});
    expect(parseManifest(formatManifest(m))).toEqual(m);
    const noCalendar = buildManifest({ ...input, baseWeek: undefined });
    expect(Object.keys(noCalendar)).not.toContain('baseWeek');
  });

  it('refuses counts that do not add up (linesRead == accepted + sum(rejected))', () => {
    expect(() => buildManifest({ ...input, events: { ...input.events, accepted: 8 } })).toThrow(/do not add up/);
    expect(() => buildManifest({ ...input, profiles: { ...input.profiles, linesRead: 6 } })).toThrow(/profile table/);
    const text = formatManifest(buildManifest(input)).replace('"linesRead": 10', '"linesRead": 11');
    expect(() => parseManifest(text)).toThrow(/do not add up/);
    expect(() => parseManifest('{"formatVersion":1}')).toThrow(/formatVersion/);
    const unjudged = formatManifest(buildManifest(input)).replace('"status": "dirty"', '"status": "fine"');
    expect(() => parseManifest(unjudged)).toThrow(/verdict/);
  });
});
