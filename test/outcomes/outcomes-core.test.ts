/**
 * Outcomes on plain inputs: a batch's scored parts (counted prefix only, one part per named
 * week), and a week's outcome from its parts and the next week's actives — AUC on a case
 * worked by hand, a user scored twice counted once (the later part), the floor flag, and an
 * AUC that cannot exist when everyone came back.
 */
import { describe, expect, it } from 'vitest';
import { scoredParts, weekOfScoredKey, scoredPartKey, type ScoredPart } from '#core/prediction/scored.ts';
import { outcomesFrom, weekOutcome, withWeekOutcome } from '#core/prediction/outcomes.ts';

const part = (week: number, first: string, writtenAt: string, users: [number, number, string?][]): ScoredPart => ({
  formatVersion: 1,
  week,
  shardId: 'shardId-0',
  firstSequenceNumber: first,
  writtenAt,
  users: users.map(([userId, probability, modelVersion]) => ({
    userId,
    probability,
    modelVersion: modelVersion ?? 'v1',
  })),
});

describe('scored parts of a batch', () => {
  const result = (userId: number, week?: number) => ({ userId, probability: 0.5, modelVersion: 'v1', week });
  const batch = { shardId: 'shardId-000000000000', firstSequenceNumber: '100' };
  const at = new Date('2026-12-01T00:00:00Z');

  it('keeps only the counted prefix, groups by week, and skips records that named no week', () => {
    const scored = new Map([
      ['100', result(1, 3)],
      ['101', result(2)],
      ['102', result(3, 4)],
      ['103', result(4, 3)],
      ['104', result(5, 5)],
    ]);
    const parts = scoredParts(scored, ['103'], batch, at);
    expect(parts.map((p) => [p.week, p.users.map((u) => u.userId)])).toEqual([
      [3, [1]],
      [4, [3]],
      // Week 5's only record was after the failure: an empty part replaces an earlier attempt's.
      [5, []],
    ]);
    expect(parts[0]).toMatchObject({ formatVersion: 1, ...batch, writtenAt: at.toISOString() });
  });

  it('writes nothing for a batch whose records named no week', () => {
    expect(scoredParts(new Map([['1', result(1)]]), [], batch, at)).toEqual([]);
  });

  it('names its key by week, shard and first sequence number, and reads the week back', () => {
    const key = scoredPartKey(7, 'shardId-000000000001', '4954');
    expect(key).toBe('predictions/scored/week=7/shardId-000000000001-4954.json');
    expect(weekOfScoredKey(key)).toBe(7);
    expect(weekOfScoredKey('predictions/trends/round=7/x.json')).toBeUndefined();
  });
});

describe('a week outcome', () => {
  it('compares the probabilities with who came back (AUC worked by hand: 3 of 4 pairs ordered = 0.75)', () => {
    // Came back: 1 (0.9) and 2 (0.4); did not: 3 (0.6) and 4 (0.1). Pairs (back, gone) ordered
    // right: (0.9, 0.6), (0.9, 0.1), (0.4, 0.1); wrong: (0.4, 0.6).
    const parts = [
      part(2, '1', 't1', [
        [1, 0.9],
        [2, 0.4],
      ]),
      part(2, '2', 't1', [
        [3, 0.6],
        [4, 0.1],
      ]),
    ];
    const outcome = weekOutcome(2, parts, new Set([1, 2, 99]), 0.55);
    expect(outcome).toEqual({
      week: 2,
      outcomeWeek: 3,
      usersScored: 4,
      expectedRetained: 2,
      actualRetained: 2,
      realizedAuc: 0.75,
      belowFloor: false,
      modelVersions: [{ version: 'v1', users: 4 }],
    });
  });

  it('counts a user scored twice once, by the later part, and names every model version', () => {
    const early = part(0, '5', '2026-12-01T00:00:00.000Z', [
      [1, 0.2, 'old'],
      [2, 0.8, 'old'],
    ]);
    const late = part(0, '9', '2026-12-01T00:01:00.000Z', [[1, 0.7, 'new']]);
    const outcome = weekOutcome(0, [late, early], new Set([2]), 0.55);
    expect(outcome?.usersScored).toBe(2);
    expect(outcome?.expectedRetained).toBe(1.5);
    expect(outcome?.modelVersions).toEqual([
      { version: 'new', users: 1 },
      { version: 'old', users: 1 },
    ]);
    // User 2 (0.8) came back, user 1 (0.7) did not: ordered right.
    expect(outcome?.realizedAuc).toBe(1);
  });

  it('flags a week whose realized AUC is below the floor', () => {
    const parts = [
      part(1, '1', 't', [
        [1, 0.9],
        [2, 0.1],
      ]),
    ];
    const outcome = weekOutcome(1, parts, new Set([2]), 0.55);
    expect(outcome).toMatchObject({ realizedAuc: 0, belowFloor: true });
  });

  it('has no AUC when everyone (or no one) came back, and no outcome without predictions', () => {
    const parts = [
      part(1, '1', 't', [
        [1, 0.9],
        [2, 0.1],
      ]),
    ];
    expect(weekOutcome(1, parts, new Set([1, 2]), 0.55)).toMatchObject({ realizedAuc: null, belowFloor: false });
    expect(weekOutcome(1, parts, new Set(), 0.55)).toMatchObject({ actualRetained: 0, realizedAuc: null });
    expect(weekOutcome(4, parts, new Set([1]), 0.55)).toBeUndefined();
  });
});

describe('the outcomes document', () => {
  const outcome = (week: number, auc: number) => ({
    week,
    outcomeWeek: week + 1,
    usersScored: 10,
    expectedRetained: 6,
    actualRetained: 7,
    realizedAuc: auc,
    belowFloor: false,
    modelVersions: [{ version: 'v', users: 10 }],
  });

  it('replaces a week in place, keeps weeks ascending, and is the same for the same inputs', () => {
    const first = withWeekOutcome(undefined, outcome(2, 0.7), 0.55);
    const both = withWeekOutcome(first, outcome(0, 0.8), 0.55);
    const replaced = withWeekOutcome(both, outcome(2, 0.6), 0.55);
    expect(replaced.weeks.map((w) => [w.week, w.realizedAuc])).toEqual([
      [0, 0.8],
      [2, 0.6],
    ]);
    expect(JSON.stringify(withWeekOutcome(replaced, outcome(2, 0.6), 0.55))).toBe(JSON.stringify(replaced));
  });

  it('reads anything that is not a formatVersion 1 document as none', () => {
    expect(outcomesFrom({ formatVersion: 2, weeks: [], floor: 0.5 })).toBeUndefined();
    expect(outcomesFrom(undefined)).toBeUndefined();
    expect(outcomesFrom({ formatVersion: 1, weeks: [], floor: 0.5 })).toEqual({
      formatVersion: 1,
      weeks: [],
      floor: 0.5,
    });
  });
});
