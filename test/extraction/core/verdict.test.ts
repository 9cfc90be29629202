/** The verdict on a week's line counts: failed, dirty or ok, and the one line a person reads. */
import { describe, expect, it } from 'vitest';
import { judgeExtraction } from '#core/extraction/verdict.ts';

const subject = 'user_events_week0.log';

describe('judgeExtraction', () => {
  it('fails when nothing is accepted, naming the file, the largest reasons and the likely fix', () => {
    const verdict = judgeExtraction(
      { linesRead: 19512, accepted: 0, rejected: { outside_week: 16156, bad_timestamp: 3356 } },
      { subject },
    );
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe(
      'user_events_week0.log: 19512 of 19512 lines rejected (100 %: outside_week 16156, bad_timestamp 3356), nothing accepted; ' +
        "the events' times are not in the week's dates: name the file by the ISO week its events fall in (user_events_2026-W05.log), or give the right base week for numbered weeks",
    );
    expect(verdict.reasons.map((r) => r.reason)).toEqual(['outside_week', 'bad_timestamp']);
  });

  it('fails above the limit, and the limit is configurable', () => {
    const counts = { linesRead: 100, accepted: 40, rejected: { invalid_utf8: 60 } };
    expect(judgeExtraction(counts, { subject }).status).toBe('failed');
    expect(judgeExtraction(counts, { subject }).message).toContain('more than the 50 % allowed');
    expect(judgeExtraction(counts, { subject, maxRejectedShare: 0.7 }).status).toBe('dirty');
  });

  it('extracts a fifth rejected as dirty data with a warning naming the reasons', () => {
    const verdict = judgeExtraction(
      { linesRead: 1000, accepted: 800, rejected: { field_count: 150, bad_number: 40, negative_id: 5, empty_line: 5 } },
      { subject },
    );
    expect(verdict.status).toBe('dirty');
    expect(verdict.message).toMatch(
      /^user_events_week0.log: 200 of 1000 lines rejected \(20 %: field_count 150, bad_number 40, /,
    );
    expect(verdict.message).toContain(', …)');
  });

  it('is ok with a few rejects, and fails an empty input', () => {
    expect(
      judgeExtraction({ linesRead: 1000, accepted: 990, rejected: { empty_line: 10 } }, { subject }),
    ).toMatchObject({
      status: 'ok',
      message: '',
    });
    expect(judgeExtraction({ linesRead: 0, accepted: 0, rejected: {} }, { subject })).toMatchObject({
      status: 'failed',
      message: 'user_events_week0.log: no lines at all: is the file empty?',
    });
  });
});
