import { describe, expect, it } from 'vitest';
import { buildTrainingSet, decodeDataset, encodeDataset, splitByUser } from '../../../functions/core/dataset/index.ts';
import { FEATURE_NAMES } from '../../../functions/core/schema.ts';

const header = ['user_id', 'week', ...FEATURE_NAMES].join('\t');
const row = (id: number, industry = 'BANK', age = 30) =>
  [id, 3, industry, 'US-CA', 'GOOGLE', 1, 0, 2, 0, 0, 1, 0, 0, 4, 2, 0, 0, 1, age].join('\t');

describe('labelled sets from extracted weeks', () => {
  it('labels a user 1 exactly when they are active the next week', () => {
    const set = buildTrainingSet([header, row(3), row(1, 'HEALTH'), row(2)].join('\n') + '\n', '2\n3\n99\n');
    expect(Array.from(set.userIds)).toEqual([1, 2, 3]); // rows come out sorted by user
    expect(Array.from(set.labels)).toEqual([0, 1, 1]);
    expect(set.columns[0]?.[0]).toBe(4); // HEALTH's index in the industry list
  });

  it('splits 70/30 by user and seed, whatever the row order', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => i + 1);
    const text = (order: number[]) => [header, ...order.map((id) => row(id))].join('\n');
    const forward = splitByUser(buildTrainingSet(text(ids), ''), 7);
    const backward = splitByUser(buildTrainingSet(text([...ids].reverse()), ''), 7);
    expect(Array.from(backward.test.userIds)).toEqual(Array.from(forward.test.userIds));
    expect(forward.test.rows / 5000).toBeGreaterThan(0.27);
    expect(forward.test.rows / 5000).toBeLessThan(0.33);
    expect(forward.train.rows + forward.test.rows).toBe(5000);
    const other = splitByUser(buildTrainingSet(text(ids), ''), 8);
    expect(Array.from(other.test.userIds)).not.toEqual(Array.from(forward.test.userIds));
  });

  it('encodes a set into bytes and decodes the same set', () => {
    const set = buildTrainingSet([header, row(5, 'INTERNET', 61), row(9)].join('\n'), '9\n');
    const back = decodeDataset(encodeDataset(set), 'train.bin');
    expect(back.rows).toBe(2);
    expect(Array.from(back.userIds)).toEqual([5, 9]);
    expect(Array.from(back.labels)).toEqual([0, 1]);
    expect(back.columns.map((c) => Array.from(c))).toEqual(set.columns.map((c) => Array.from(c)));
  });
});
