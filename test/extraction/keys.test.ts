/** Where an event object belongs (week, part, layout) and how a week in parts is listed. */
import { describe, expect, it } from 'vitest';
import {
  decodeEventKey,
  eventObjectOf,
  parseSuccessList,
  partIdOf,
  partIdsOf,
  weekOfSuccessKey,
} from '#aws/extraction/keys.ts';

describe('extraction keys', () => {
  it('places a whole-week object and a part of a week', () => {
    expect(eventObjectOf('raw/events/user_events_week3.log.gz')).toEqual({
      key: 'raw/events/user_events_week3.log.gz',
      week: '3',
      partId: 'user_events_week3.log.gz',
      layout: 'single',
    });
    expect(eventObjectOf('raw/events/user_events_2026-W46.tsv')).toMatchObject({
      week: '2026-W46',
      partId: 'user_events_2026-W46.tsv',
      layout: 'single',
    });
    expect(eventObjectOf('raw/events/week=2026-W46/part 0001.log.gz')).toMatchObject({
      week: '2026-W46',
      partId: expect.stringMatching(/^part_0001\.log\.gz-[0-9a-f]{12}$/),
      layout: 'parts',
    });
  });

  it('gives names that differ only in escaped characters or extension distinct part ids', () => {
    const names = ['part 1.log', 'part_1.log', 'part_1.tsv', 'part_1.log.gz', 'part%201.log', 'part:1.log'];
    const ids = names.map(partIdOf);
    expect(new Set(ids).size).toBe(names.length);
    expect(ids.slice(1, 4)).toEqual(['part_1.log', 'part_1.tsv', 'part_1.log.gz']);
    expect(partIdsOf(names, 'k')).toEqual([...ids].sort());
  });

  it('refuses a list in which two names would share one part id', () => {
    expect(() => partIdsOf(['part_1.log', 'part_1.log'], 'k')).not.toThrow();
    const escaped = partIdOf('part 1.log');
    expect(() => partIdsOf(['part 1.log', escaped], 'raw/events/week=3/_SUCCESS')).toThrow(
      `raw/events/week=3/_SUCCESS: "part 1.log" and "${escaped}" would both be part ${escaped}; rename one of them`,
    );
  });

  it('refuses keys it cannot place, saying how to name them', () => {
    expect(() => eventObjectOf('raw/events/events.log')).toThrow(/cannot tell the week from the name/);
    expect(() => eventObjectOf('raw/events/week=someday/a.log')).toThrow(/"someday" is not a week/);
    expect(() => eventObjectOf('raw/events/a/b/c.log')).toThrow(/raw\/events\/week=<W>\/<part>/);
    expect(() => eventObjectOf('raw/crm/crm_info.data')).toThrow(/not under raw\/events\//);
  });

  it('decodes keys as S3 writes them into events', () => {
    expect(decodeEventKey('raw/events/week%3D2026-W46/part+0001.log')).toBe('raw/events/week=2026-W46/part 0001.log');
  });

  it('reads a _SUCCESS part list: names, comments, blank lines, duplicates', () => {
    expect(weekOfSuccessKey('raw/events/week=2026-W46/_SUCCESS')).toBe('2026-W46');
    expect(weekOfSuccessKey('raw/events/week=2026-W46/part.log')).toBeUndefined();
    expect(parseSuccessList('# parts\npart-1.log\r\n\nraw/events/week=1/part-2.log.gz\npart-1.log\n', 'k')).toEqual([
      'part-1.log',
      'part-2.log.gz',
    ]);
    expect(() => parseSuccessList('\n# none\n', 'k')).toThrow(/lists no part files/);
    expect(() => parseSuccessList('notes.txt\n', 'k')).toThrow(/"notes.txt" is not an event file/);
  });
});
