/** The at-risk list's merge: one entry per user, least likely first, the same list whatever the order of the parts. */
import { describe, expect, it } from 'vitest';
import { atRiskSizeFrom, leastLikely, roundModel, type AtRiskUser } from '#core/prediction/at-risk.ts';

const user = (userId: number, probability: number): AtRiskUser => ({ userId, probability });

describe('at-risk merge', () => {
  it('keeps the lowest probability of each user, least likely first, ties by user id, bounded', () => {
    const list = leastLikely([user(3, 0.4), user(1, 0.2), user(2, 0.2), user(3, 0.1), user(4, 0.9)], 3);
    expect(list).toEqual([user(3, 0.1), user(1, 0.2), user(2, 0.2)]);
  });

  it('merging parts one at a time gives the list merging them all at once gives', () => {
    // A pseudo-random set of parts with repeated users (a user sent twice in a round).
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const parts = Array.from({ length: 20 }, () =>
      Array.from({ length: 30 }, () => user(Math.floor(next() * 200), Math.round(next() * 100) / 100)),
    );
    const all = leastLikely(parts.flat(), 25);
    for (const order of [parts, [...parts].reverse()]) {
      let running: AtRiskUser[] = [];
      for (const part of order) running = leastLikely([...running, ...leastLikely(part, 25)], 25);
      expect(running).toEqual(all);
    }
    // Merging a part again changes nothing.
    expect(leastLikely([...all, ...leastLikely(parts[0] ?? [], 25)], 25)).toEqual(all);
  });

  it('names the model that scored most of the round, and reads the size from the environment', () => {
    expect(
      roundModel([
        { modelVersion: 'a', scored: 3 },
        { modelVersion: 'b', scored: 2 },
        { modelVersion: 'b', scored: 2 },
      ]),
    ).toBe('b');
    expect(roundModel([{ scored: 3 }])).toBeNull();
    expect(atRiskSizeFrom(undefined)).toBe(1000);
    expect(atRiskSizeFrom('25')).toBe(25);
    expect(() => atRiskSizeFrom('0')).toThrow(/AT_RISK_SIZE/);
    expect(() => atRiskSizeFrom('many')).toThrow(/AT_RISK_SIZE/);
  });
});
