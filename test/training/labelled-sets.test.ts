/** Labelled sets from extracted weeks: the labels, the 70/30 split by user and seed, the dataset file. */
import { describe, expect, it } from 'vitest';
import { decodeDataset, encodeDataset } from '#core/training/dataset-file.ts';
import { parseActiveUsers, parseFeaturesTsv } from '#core/training/features-table.ts';
import { labelAndSplit, type LabelledSet } from '#core/training/labels.ts';
import { FEATURE_NAMES } from '#core/schema.ts';

const header = ['user_id', 'week', ...FEATURE_NAMES].join('\t');
const row = (id: number, industry = 'BANK', age = 30) =>
  [id, 3, industry, 'US-CA', 'GOOGLE', 1, 0, 2, 0, 0, 1, 0, 0, 4, 2, 0, 0, 1, age].join('\t');
const split = (rows: string[], active: string, seed = 7) =>
  labelAndSplit(parseFeaturesTsv([header, ...rows].join('\n') + '\n', 'features.tsv'), parseActiveUsers(active), seed);
/** Both sides back in one list, by user. */
const byUser = ({ train, test }: { train: LabelledSet; test: LabelledSet }) =>
  [train, test]
    .flatMap((set) =>
      Array.from(set.userIds, (userId, r) => ({ userId, label: set.labels[r], industry: set.columns[0]?.[r] })),
    )
    .sort((a, b) => a.userId - b.userId);

describe('labelled sets from extracted weeks', () => {
  it('labels a user 1 exactly when they are active the next week', () => {
    const rows = byUser(split([row(3), row(1, 'HEALTH'), row(2)], '2\n3\n99\n'));
    expect(rows.map((r) => r.userId)).toEqual([1, 2, 3]);
    expect(rows.map((r) => r.label)).toEqual([0, 1, 1]);
    expect(rows[0]?.industry).toBe(4); // HEALTH's index in the industry list
  });

  it('splits 70/30 by user and seed, whatever the row order', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => i + 1);
    const forward = split(
      ids.map((id) => row(id)),
      '',
    );
    const backward = split(
      [...ids].reverse().map((id) => row(id)),
      '',
    );
    expect(Array.from(backward.test.userIds)).toEqual(Array.from(forward.test.userIds));
    expect(forward.test.rows / 5000).toBeGreaterThan(0.27);
    expect(forward.test.rows / 5000).toBeLessThan(0.33);
    expect(forward.train.rows + forward.test.rows).toBe(5000);
    const other = split(
      ids.map((id) => row(id)),
      '',
      8,
    );
    expect(Array.from(other.test.userIds)).not.toEqual(Array.from(forward.test.userIds));
  });

  it('encodes a set into bytes and decodes the same set', () => {
    const table = parseFeaturesTsv([header, row(5, 'INTERNET', 61), row(9)].join('\n'), 'features.tsv');
    const set: LabelledSet = { ...table, labels: Uint8Array.of(0, 1) };
    const back = decodeDataset(encodeDataset(set), 'train.bin');
    expect(back.rows).toBe(2);
    expect(Array.from(back.userIds)).toEqual([5, 9]);
    expect(Array.from(back.labels)).toEqual([0, 1]);
    expect(back.columns.map((c) => Array.from(c))).toEqual(set.columns.map((c) => Array.from(c)));
  });
});
