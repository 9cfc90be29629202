/** Same seed and options → byte-identical files; another seed → other data. */
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventLine } from '#core/extraction/index.ts';
import { DEFAULT_BASE_WEEK } from '#core/weeks.ts';
import { directorySink, generateDemoData } from '#seed/index.ts';
import { demo } from './fixtures.ts';

const options = { users: 1000, weeks: 2, dirty: 0.01 };

describe('seed determinism', () => {
  it('writes byte-identical files for the same seed', async () => {
    const a = await demo({ ...options, seed: 5 });
    const b = await demo({ ...options, seed: 5 });
    expect([...a.files.keys()]).toEqual([...b.files.keys()]);
    for (const [name, bytes] of a.files) expect(Buffer.compare(bytes, b.bytes(name)), name).toBe(0);
  });

  it('writes different events, tables and truth for another seed', async () => {
    const a = await demo({ ...options, seed: 5 });
    const b = await demo({ ...options, seed: 6 });
    for (const name of [
      'user_events_week0.log',
      'user_events_week1.log',
      'crm_info.data',
      'nosql_user_profile.data',
      'truth_week0.tsv',
    ]) {
      expect(Buffer.compare(a.bytes(name), b.bytes(name)), name).not.toBe(0);
    }
    // The category lists are the original ones whatever the seed.
    expect(a.text('platform.meta')).toBe(b.text('platform.meta'));
  });

  it('writes the same bytes to a directory as to memory, gzip included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seed-dir-'));
    try {
      await generateDemoData({ ...options, seed: 3, gzip: true }, directorySink(dir));
      const memory = await demo({ ...options, seed: 3, gzip: true });
      expect((await readdir(dir)).sort()).toEqual([...memory.files.keys()].sort());
      for (const [name, bytes] of memory.files) {
        expect(Buffer.compare(await readFile(join(dir, name)), bytes), name).toBe(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the valid lines of a dirty run equal to a clean run (only extra lines are added)', async () => {
    const clean = await demo({ users: 400, weeks: 1, seed: 9 });
    const dirty = await demo({ users: 400, weeks: 1, seed: 9, dirty: 0.05 });
    // Lines the extractor's parser accepts, without anonymous_id (a line number): the events, in order.
    const events = (lines: string[]) =>
      lines
        .filter((l) => parseEventLine(l, { week: '0', baseWeek: DEFAULT_BASE_WEEK }).ok)
        .map((l) => l.slice(l.indexOf('\t')));
    const cleanEvents = events(clean.lines('user_events_week0.log'));
    expect(events(dirty.lines('user_events_week0.log'))).toEqual(cleanEvents);
    expect(cleanEvents.length).toBe(clean.week(0).events);
    expect(dirty.text('truth_week0.tsv')).toBe(clean.text('truth_week0.tsv'));
  });
});
