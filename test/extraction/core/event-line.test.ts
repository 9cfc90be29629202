import { describe, expect, it } from 'vitest';
import { parseEventLine, MAX_LINE_BYTES, type RejectReason } from '#core/extraction/index.ts';
import { DEFAULT_BASE_WEEK, weekSpan } from '#core/weeks.ts';

const week = '3';
const baseWeek = DEFAULT_BASE_WEEK;
const { start, end } = weekSpan(week, baseWeek);
const t = start + 3600;
const line = (fields: (string | number)[]) => fields.join('\t');
const valid = [42, 517, 17, 'IPAD', t, 'VIEW_REPORT', 1];
const reasonOf = (text: string | Uint8Array): RejectReason | 'ok' => {
  const r = parseEventLine(text, { week, baseWeek });
  return r.ok ? 'ok' : r.reason;
};

describe('event line parser', () => {
  it('reads a valid line into numbers and category indices', () => {
    expect(parseEventLine(line(valid), { week })).toEqual({
      ok: true,
      value: { anonymousId: 42, userId: 517, companyId: 17, platform: 3, eventTime: t, eventType: 4, firstEvent: 1 },
    });
  });

  it('accepts CRLF and LF line ends alike', () => {
    expect(parseEventLine(line(valid) + '\r\n', { week })).toEqual(parseEventLine(line(valid) + '\n', { week }));
  });

  const cases: [string, string | Uint8Array, RejectReason][] = [
    ['an empty line', '', 'empty_line'],
    ['a CR-only line', '\r', 'empty_line'],
    ['six fields', line(valid.slice(0, 6)), 'field_count'],
    ['eight fields', line([...valid, 0]), 'field_count'],
    ['spaces instead of tabs', valid.join(' '), 'field_count'],
    ['a non-numeric user id', line([42, '51x', 17, 'IPAD', t, 'VIEW_REPORT', 1]), 'bad_number'],
    ['an empty company id', line([42, 517, '', 'IPAD', t, 'VIEW_REPORT', 1]), 'bad_number'],
    ['a fractional anonymous id', line(['4.2', 517, 17, 'IPAD', t, 'VIEW_REPORT', 1]), 'bad_number'],
    ['a 16-digit user id', line([42, '1234567890123456', 17, 'IPAD', t, 'VIEW_REPORT', 1]), 'bad_number'],
    ['a negative user id', line([42, -517, 17, 'IPAD', t, 'VIEW_REPORT', 1]), 'negative_id'],
    ['a negative company id', line([42, 517, -1, 'IPAD', t, 'VIEW_REPORT', 1]), 'negative_id'],
    ['an unknown platform', line([42, 517, 17, 'WINDOWS', t, 'VIEW_REPORT', 1]), 'unknown_platform'],
    ['a lower-case platform', line([42, 517, 17, 'ipad', t, 'VIEW_REPORT', 1]), 'unknown_platform'],
    ['a platform with a known prefix', line([42, 517, 17, 'IPADX', t, 'VIEW_REPORT', 1]), 'unknown_platform'],
    ['a platform that is a prefix', line([42, 517, 17, 'IPA', t, 'VIEW_REPORT', 1]), 'unknown_platform'],
    ['an unknown event type', line([42, 517, 17, 'IPAD', t, 'LOGIN', 1]), 'unknown_event_type'],
    ['a fractional timestamp', line([42, 517, 17, 'IPAD', `${t}.5`, 'VIEW_REPORT', 1]), 'bad_timestamp'],
    ['a date as timestamp', line([42, 517, 17, 'IPAD', '2017-05-08', 'VIEW_REPORT', 1]), 'bad_timestamp'],
    ['a negative timestamp', line([42, 517, 17, 'IPAD', -t, 'VIEW_REPORT', 1]), 'bad_timestamp'],
    ['a time before the week', line([42, 517, 17, 'IPAD', start - 1, 'VIEW_REPORT', 1]), 'outside_week'],
    ['a time at the week end', line([42, 517, 17, 'IPAD', end, 'VIEW_REPORT', 1]), 'outside_week'],
    ['first_event 2', line([42, 517, 17, 'IPAD', t, 'VIEW_REPORT', 2]), 'bad_first_event'],
    ['first_event "yes"', line([42, 517, 17, 'IPAD', t, 'VIEW_REPORT', 'yes']), 'bad_first_event'],
    ['a line over 64 KiB', line([...valid.slice(0, 6), '1'.repeat(MAX_LINE_BYTES)]), 'line_too_long'],
    [
      'invalid UTF-8',
      Uint8Array.from([
        ...new TextEncoder().encode(line(valid.slice(0, 3)) + '\t'),
        0xff,
        0xfe,
        ...new TextEncoder().encode(`\t${t}\tVIEW_REPORT\t1`),
      ]),
      'invalid_utf8',
    ],
    ['a truncated UTF-8 sequence', Uint8Array.from([0x34, 0x32, 0xe2, 0x82]), 'invalid_utf8'],
  ];
  for (const [what, input, reason] of cases) {
    it(`rejects ${what} as ${reason}`, () => expect(reasonOf(input)).toBe(reason));
  }

  it('accepts the first and last second of the week', () => {
    expect(reasonOf(line([1, 2, 3, 'PC', start, 'INSPECT', 0]))).toBe('ok');
    expect(reasonOf(line([1, 2, 3, 'PC', end - 1, 'INSPECT', 0]))).toBe('ok');
  });

  it('reports the first wrong field when several are wrong', () => {
    expect(reasonOf(line([42, 517, 17, 'WINDOWS', 'x', 'LOGIN', 7]))).toBe('unknown_platform');
    expect(reasonOf(line([42, 517, 17, 'PC', start - 5, 'LOGIN', 1]))).toBe('unknown_event_type');
  });

  it('accepts valid UTF-8 in a line it rejects for another reason', () => {
    expect(reasonOf(line([42, 517, 17, 'IPÄD', t, 'VIEW_REPORT', 1]))).toBe('unknown_platform');
  });

  it('uses overridden category lists, matching names by bytes', () => {
    const categories = {
      platform: ['iOS', 'Android', 'Web', 'Tablet', 'Other'],
      event_type: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
      industry: ['X'],
      region: ['Y'],
      social_type: ['Z'],
    };
    const r = parseEventLine(line([1, 2, 3, 'Web', t, 'g', 0]), { week, categories });
    expect(r.ok && [r.value.platform, r.value.eventType]).toEqual([2, 6]);
    expect(parseEventLine(line([1, 2, 3, 'PC', t, 'g', 0]), { week, categories })).toEqual({
      ok: false,
      reason: 'unknown_platform',
    });
  });

  it('refuses a platform list that would change the number of features', () => {
    const categories = {
      platform: ['A', 'B'],
      event_type: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
      industry: ['X'],
      region: ['Y'],
      social_type: ['Z'],
    };
    expect(() => parseEventLine(line(valid), { week, categories })).toThrow(
      /platform.meta has 2 values but the model has 5/,
    );
  });

  it('checks no dates for a numbered week without a base week, but still a plausible time', () => {
    const thisYear = Date.UTC(2026, 10, 30) / 1000;
    const at = (time: number | string) => parseEventLine(line([1, 2, 3, 'PC', time, 'INSPECT', 0]), { week });
    expect(at(thisYear)).toMatchObject({ ok: true, value: { eventTime: thisYear } });
    expect(at(0)).toMatchObject({ ok: true, value: { eventTime: 0 } });
    expect(at(2 ** 32 - 2).ok).toBe(true);
    expect(at(2 ** 32 - 1)).toEqual({ ok: false, reason: 'bad_timestamp' });
    expect(at(Date.now())).toEqual({ ok: false, reason: 'bad_timestamp' }); // milliseconds
  });

  it('checks ISO-named weeks against their own span', () => {
    const iso = weekSpan('2026-W46');
    expect(parseEventLine(line([1, 2, 3, 'PC', iso.start + 10, 'INSPECT', 0]), { week: '2026-W46' }).ok).toBe(true);
    expect(parseEventLine(line([1, 2, 3, 'PC', iso.end, 'INSPECT', 0]), { week: '2026-W46' })).toEqual({
      ok: false,
      reason: 'outside_week',
    });
  });
});
