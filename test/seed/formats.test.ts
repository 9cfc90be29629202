/** The generated files follow the original formats (docs/formats.md) exactly. */
import { beforeAll, describe, expect, it } from 'vitest';
import { CATEGORY_LISTS, DEFAULT_CATEGORIES, AGE_MAX, AGE_MIN } from '#core/schema.ts';
import { weekFromName, weekSpan, isoWeekOf } from '#core/weeks.ts';
import { demo, type Demo } from './fixtures.ts';

const USERS = 1000;
const COMPANIES = 37;

describe('seed formats (numbered weeks)', () => {
  let d: Demo;
  beforeAll(async () => {
    d = await demo({ users: USERS, companies: COMPANIES, weeks: 3, seed: 2 });
  });

  it('writes the five category lists as the original lists, one value a line', () => {
    for (const list of CATEGORY_LISTS) expect(d.text(`${list}.meta`)).toBe(DEFAULT_CATEGORIES[list].join('\n') + '\n');
  });

  it('writes one CRM row per company: company_id industry region social_type', () => {
    const rows = d.lines('crm_info.data').map((l) => l.split('\t'));
    expect(rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: COMPANIES }, (_, c) => c));
    for (const r of rows) {
      expect(r).toHaveLength(4);
      expect(DEFAULT_CATEGORIES.industry).toContain(r[1]);
      expect(DEFAULT_CATEGORIES.region).toContain(r[2]);
      expect(DEFAULT_CATEGORIES.social_type).toContain(r[3]);
    }
  });

  it('writes one profile per user: user_id gender(0/1) age(20..70)', () => {
    const rows = d.lines('nosql_user_profile.data').map((l) => l.split('\t'));
    // The initial users and every sign-up of the run's weeks.
    expect(d.result.totalUsers).toBe(USERS + d.result.weeks.reduce((n, w) => n + w.newUsers, 0));
    expect(rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: d.result.totalUsers }, (_, i) => i + 1));
    for (const r of rows) {
      expect(r).toHaveLength(3);
      expect(['0', '1']).toContain(r[1]);
      expect(Number(r[2])).toBeGreaterThanOrEqual(AGE_MIN);
      expect(Number(r[2])).toBeLessThanOrEqual(AGE_MAX);
    }
  });

  it('writes event logs of 7 fields, in time order, inside their week, with the original rules', () => {
    const firstSeen = new Map<number, number>(); // user → time of the event marked first_event 1
    const earliest = new Map<number, number>();
    for (const week of ['0', '1', '2']) {
      const name = `user_events_week${week}.log`;
      expect(weekFromName(name)).toBe(week);
      const { start, end } = weekSpan(week);
      const lines = d.lines(name);
      expect(lines.length).toBe(d.week(week).events);
      let previous = start;
      const faults: string[] = []; // collected, not one expect per field: 30k lines stay fast
      const check = (ok: boolean, what: string, n: number) => {
        if (!ok && faults.length < 5) faults.push(`${name}:${n + 1} ${what}: ${lines[n]}`);
      };
      lines.forEach((line, n) => {
        const f = line.split('\t');
        check(f.length === 7, '7 fields', n);
        const [anonymous, user, company, platform, time, type, first] = f;
        const u = Number(user);
        const t = Number(time);
        check(Number(anonymous) === n + 1, 'anonymous_id is the line number', n);
        check(Number.isInteger(u) && u >= 1 && u <= d.week(week).signedUp, 'user id (signed up by this week)', n);
        check(Number(company) === u % COMPANIES, 'company_id = user_id % companies', n);
        check(DEFAULT_CATEGORIES.platform.includes(platform ?? ''), 'platform', n);
        check(DEFAULT_CATEGORIES.event_type.includes(type ?? ''), 'event type', n);
        check(Number.isInteger(t) && t >= start && t < end, 'inside the week', n);
        check(t >= previous, 'time order', n);
        previous = t;
        if (!earliest.has(u)) earliest.set(u, t);
        if (first === '1') {
          check(!firstSeen.has(u), 'first_event 1 once per user', n);
          firstSeen.set(u, t);
        } else check(first === '0', 'first_event 0/1', n);
      });
      expect(faults).toEqual([]);
    }
    // first_event is 1 exactly once per user: on their first-ever event.
    expect(firstSeen).toEqual(earliest);
  });

  it('has about 10 events per user-week and most users active in week 0', () => {
    const week0 = d.week(0);
    expect(week0.activeUsers / USERS).toBeGreaterThan(0.6);
    expect(week0.activeUsers / USERS).toBeLessThan(0.8);
    expect(week0.events / week0.activeUsers).toBeGreaterThan(8);
    expect(week0.events / week0.activeUsers).toBeLessThan(15);
  });

  it('describes the run in seed.json', () => {
    const described = JSON.parse(d.text('seed.json'));
    expect(described.formatVersion).toBe(1);
    expect(described.options).toMatchObject({ users: USERS, companies: COMPANIES, weeks: 3, seed: 2, dirty: 0 });
    expect(described.weeks.map((w: { eventsFile: string }) => w.eventsFile)).toEqual([
      'user_events_week0.log',
      'user_events_week1.log',
      'user_events_week2.log',
    ]);
  });
});

describe('seed formats (ISO weeks)', () => {
  it('names weeks by ISO week from --iso-weeks, every event inside its ISO week, across a year end', async () => {
    const d = await demo({ users: 300, weeks: 3, isoWeeks: '2026-W52', seed: 4 });
    const weeks = ['2026-W52', '2026-W53', '2027-W01'];
    expect(d.result.weeks.map((w) => w.week)).toEqual(weeks);
    for (const week of weeks) {
      const lines = d.lines(`user_events_${week}.log`);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(isoWeekOf(Number(line.split('\t')[4]))).toBe(week);
      expect(d.files.has(`truth_${week}.tsv`)).toBe(true);
    }
  });

  it('uses the default company count users/10, at least 1', async () => {
    expect((await demo({ users: 250, weeks: 1 })).result.options.companies).toBe(25);
    expect((await demo({ users: 5, weeks: 1 })).result.options.companies).toBe(1);
  });
});
