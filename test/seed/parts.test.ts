/**
 * A week written in parts (`parts: N`): the same lines as the single file, user i's in part
 * i mod N, each part in time order, and `_SUCCESS` listing the parts; the other files are
 * as without parts. What a bucket layout `raw/events/week=<W>/…` is uploaded from.
 */
import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { demo } from './fixtures.ts';

const options = { users: 2000, weeks: 2, seed: 3, dirty: 0.01 };

describe('a week in parts', () => {
  it('splits the week by user into N part files with the same lines, and lists them in _SUCCESS', async () => {
    const whole = await demo(options);
    const split = await demo({ ...options, parts: 3 });
    const week = split.week(1);
    expect(week.eventParts).toEqual(['week=1/part-0001.log', 'week=1/part-0002.log', 'week=1/part-0003.log']);
    expect(week.eventsFile).toBe('week=1/_SUCCESS');
    expect(split.lines('week=1/_SUCCESS')).toEqual(['part-0001.log', 'part-0002.log', 'part-0003.log']);
    const parts = week.eventParts.map((name) => split.lines(name));
    expect(parts.flat().sort()).toEqual(whole.lines('user_events_week1.log').sort());
    parts.forEach((lines, p) => {
      const valid = lines.map((l) => l.split('\t')).filter((f) => f.length === 7 && /^\d+$/.test(f[1]!));
      expect(valid.length).toBeGreaterThan(lines.length * 0.95);
      // Each part's users are those with (id - 1) mod 3 = p (ids are 1..N).
      expect(valid.filter((f) => (Number(f[1]) - 1) % 3 !== p).length).toBeLessThan(lines.length * 0.02);
    });
    // Everything else is what the single-file run wrote.
    for (const name of ['crm_info.data', 'nosql_user_profile.data', 'truth_week1.tsv'])
      expect(Buffer.compare(split.bytes(name), whole.bytes(name)), name).toBe(0);
  });

  it('compresses each part with --gzip', async () => {
    const split = await demo({ users: 300, weeks: 1, parts: 2, gzip: true });
    const [first] = split.week(0).eventParts;
    expect(first).toBe('week=0/part-0001.log.gz');
    expect(gunzipSync(split.bytes(first!)).length).toBeGreaterThan(0);
    expect(split.lines('week=0/_SUCCESS')).toEqual(['part-0001.log.gz', 'part-0002.log.gz']);
  });
});
