/** Per-user counts and the join, against small cases computed by hand. */
import { describe, expect, it } from 'vitest';
import {
  extractEvents,
  formatUserCounts,
  joinWeek,
  mergeAggregates,
  parseCrmTable,
  parseProfileTable,
  parseUserCounts,
  formatFeaturesTsv,
  parseFeaturesTsv,
  activeUsersChunks,
} from '#core/extraction/index.ts';
import { weekSpan } from '#core/weeks.ts';

const { start } = weekSpan('1');
const enc = new TextEncoder();
const ev = (user: number, company: number, platform: string, dt: number, type: string) =>
  `0\t${user}\t${company}\t${platform}\t${start + dt}\t${type}\t0`;
const extract = (lines: string[], name = 'w1.log') =>
  extractEvents([{ name, chunks: [enc.encode(lines.join('\n') + '\n')] }], { week: '1' });

//                 platform: IPHONE ANDROID PC IPAD OTHER | type: CUSTOMIZE DOWNLOAD SHARE_TPL INSPECT VIEW SHARE_REPORT CANCEL
const lines = [
  ev(10, 3, 'PC', 500, 'INSPECT'),
  ev(10, 4, 'IPHONE', 100, 'VIEW_REPORT'), // earliest event of user 10: company 4
  ev(10, 3, 'PC', 900, 'INSPECT'),
  ev(2, 3, 'IPAD', 50, 'SHARE_TPL'),
  ev(2, 5, 'IPAD', 50, 'CUSTOMIZE_TPL'), // same second as the line before: the first line read wins
  ev(99, 8, 'OTHER', 1, 'CANCEL_INSPECTION'), // company 8 has no CRM row
  ev(7, 3, 'ANDROID', 7, 'DOWNLOAD_TPL'), // user 7 has no profile
];

describe('per-user counts', () => {
  it('count platforms and event types per user, with the company of the earliest event', async () => {
    const agg = await extract(lines);
    expect(agg.size).toBe(4);
    expect(agg.get(10)).toEqual({
      userId: 10,
      companyId: 4,
      firstEventTime: start + 100,
      counts: [1, 0, 2, 0, 0, 0, 0, 0, 2, 1, 0, 0],
    });
    expect(agg.get(2)).toEqual({
      userId: 2,
      companyId: 3,
      firstEventTime: start + 50,
      counts: [0, 0, 0, 2, 0, 1, 0, 1, 0, 0, 0, 0],
    });
    expect(agg.activeUserIds()).toEqual([2, 7, 10, 99]);
  });

  it('handle ids too large to index directly, and counts beyond 16 bits', async () => {
    const big = 123_456_789_012;
    const many = Array.from({ length: 70_000 }, (_, i) => ev(big, 1, 'PC', i % 600_000, 'INSPECT'));
    const agg = await extract([...many, ev(5, 1, 'PC', 3, 'INSPECT')]);
    expect(agg.get(big)?.counts.slice(2, 9)).toEqual([70_000, 0, 0, 0, 0, 0, 70_000]);
    expect(agg.activeUserIds()).toEqual([5, big]);
    const back = parseUserCounts(formatUserCounts(agg), { week: '1' });
    expect(back.get(big)).toEqual(agg.get(big));
  });

  it('merge parts of a week: counts add up, the earliest event across parts names the company', async () => {
    const a = await extract(lines.slice(0, 3), 'part-a');
    const b = await extract([ev(10, 9, 'PC', 20, 'INSPECT'), ev(2, 3, 'IPAD', 50, 'SHARE_TPL')], 'part-b');
    const merged = mergeAggregates([a, b]);
    expect(merged.get(10)).toEqual({
      userId: 10,
      companyId: 9,
      firstEventTime: start + 20,
      counts: [1, 0, 3, 0, 0, 0, 0, 0, 3, 1, 0, 0],
    });
    expect(merged.lineCounts.linesRead).toBe(5);
    expect(merged.sources).toEqual(['part-a', 'part-b']);
  });

  it('round-trip through user_counts.tsv', async () => {
    const agg = await extract(lines);
    const back = parseUserCounts(formatUserCounts(agg), { week: '1' });
    expect([...back.users()]).toEqual([...agg.users()]);
    expect(() => parseUserCounts('user_id\tnope\n', { week: '1' })).toThrow(/header/);
  });
});

describe('join', () => {
  it("joins CRM on the first event's company and profiles on user id, counting users that do not join", async () => {
    const agg = await extract(lines);
    const crm = await parseCrmTable(
      '3\tBANK\tUS-CA\tGOOGLE\n4\tHEALTH\tGB-LONDON\tTWITTER\n5\tAIRPLANE\tAU-WA\tFACEBOOK\n',
      { name: 'crm' },
    );
    const profiles = await parseProfileTable('10\t1\t34\n2\t0\t61\n99\t1\t20\n', { name: 'profiles' });
    const week = joinWeek(agg, crm, profiles);
    expect(week.users).toBe(4);
    expect(week.activeUsers).toEqual([2, 7, 10, 99]);
    expect(week.unmatched).toEqual({ crm: 1, profile: 1 }); // 99: company 8 unknown; 7: no profile
    // features.tsv straight from the columns says what the row objects say.
    expect(formatFeaturesTsv(week)).toBe(formatFeaturesTsv({ rows: week.rows }));
    expect(parseFeaturesTsv(formatFeaturesTsv(week))).toEqual(week.rows);
    expect(Buffer.concat([...activeUsersChunks(week.activeUsers)]).toString()).toBe('2\n7\n10\n99\n');
    expect(week.joined).toBe(2);
    expect(week.rows).toEqual([
      {
        userId: 2,
        week: '1',
        features: {
          industry: 'BANK',
          region: 'US-CA',
          social_type: 'GOOGLE',
          iphone: 0,
          android: 0,
          pc: 0,
          ipad: 2,
          other: 0,
          customize_tpl: 1,
          download_tpl: 0,
          share_tpl: 1,
          inspect: 0,
          view_report: 0,
          share_report: 0,
          cancel_inspection: 0,
          gender: 0,
          age: 61,
        },
      },
      {
        userId: 10,
        week: '1',
        features: {
          industry: 'HEALTH',
          region: 'GB-LONDON',
          social_type: 'TWITTER',
          iphone: 1,
          android: 0,
          pc: 2,
          ipad: 0,
          other: 0,
          customize_tpl: 0,
          download_tpl: 0,
          share_tpl: 0,
          inspect: 2,
          view_report: 1,
          share_report: 0,
          cancel_inspection: 0,
          gender: 1,
          age: 34,
        },
      },
    ]);
  });
});
