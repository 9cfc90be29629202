import { describe, expect, it } from 'vitest';
import { isoWeekOf, nextWeek, previousWeek, weekFromName, weekSpan } from '#core/weeks.ts';

describe('weeks', () => {
  it('reads the week from original and ISO file names and from week= partitions', () => {
    expect(weekFromName('user_events_week0.log')).toBe('0');
    expect(weekFromName('raw/events/user_events_week12.log.gz')).toBe('12');
    expect(weekFromName('user_events_2026-W46.tsv')).toBe('2026-W46');
    expect(weekFromName('raw/events/week=2026-W46/part-0001.log')).toBe('2026-W46');
    expect(weekFromName('crm_info.data')).toBeUndefined();
    expect(weekFromName('user_events_2026-W54.log')).toBeUndefined();
  });

  it('places numbered weeks on the calendar from the base week', () => {
    const w0 = weekSpan('0');
    expect(new Date(w0.start * 1000).toISOString()).toBe('2017-05-08T00:00:00.000Z');
    expect(w0.start <= 1494486123 && 1494486123 < w0.end).toBe(true); // the original demo's timestamp
    expect(weekSpan('1').start).toBe(w0.end);
  });

  it('spans ISO weeks Monday to Monday, across year ends', () => {
    expect(new Date(weekSpan('2026-W46').start * 1000).toISOString()).toBe('2026-11-09T00:00:00.000Z');
    expect(new Date(weekSpan('2026-W01').start * 1000).toISOString()).toBe('2025-12-29T00:00:00.000Z');
    expect(nextWeek('2026-W53')).toBe('2027-W01');
    expect(nextWeek('2025-W52')).toBe('2026-W01');
    expect(previousWeek('2027-W01')).toBe('2026-W53');
    expect(isoWeekOf(Date.UTC(2026, 10, 29) / 1000)).toBe('2026-W48');
    expect(nextWeek('9')).toBe('10');
    expect(previousWeek('0')).toBeUndefined();
  });
});
