/**
 * Prepare's bounded-memory path against the plain one: the train week's parts merged,
 * labelled and split in place (split-parts.ts, labels from a sorted typed array of the
 * label week's active users), and the data sets streamed as views of their own arrays,
 * give exactly the sets and the bytes that merging whole (mergeFeatureTables), labelling
 * from a Set and splitting (labelAndSplit) give — with users spread over several parts,
 * some in more than one, in parts given in any order.
 */
import { describe, expect, it } from 'vitest';
import { ActiveUsersBuilder } from '#core/training/active-users.ts';
import { datasetChunks, encodeDataset } from '#core/training/dataset-file.ts';
import { mergeFeatureTables, parseFeaturesTsv, type FeatureTable } from '#core/training/features-table.ts';
import { labelAndSplit } from '#core/training/labels.ts';
import { splitParts } from '#core/training/split-parts.ts';
import { featuresTsv, type HandMadeUser } from './fixtures/weeks.ts';

const SEED = 7;

/** Part p holds every user whose id hashes to it, and every 10th user is in two parts (counts summed). */
function parts(count: number, users: number): { tsv: string[]; active: number[][] } {
  const members: HandMadeUser[][] = Array.from({ length: count }, () => []);
  for (let id = 1; id <= users; id++) {
    const p = (Math.imul(id, 0x9e3779b1) >>> 0) % count;
    const user = { userId: id * 3, pc: id % 7, age: 20 + (id % 40) };
    members[p]!.push(user);
    if (count > 1 && id % 10 === 0) members[(p + 1) % count]!.push({ ...user, pc: 1, age: 99 });
  }
  const tsv = members.map((m, p) => featuresTsv('0', p % 2 ? [...m].reverse() : m));
  const active = Array.from({ length: count }, (_, p) =>
    Array.from({ length: users }, (_, i) => (i + 1) * 3).filter((id) => id % (p + 2) === 0),
  );
  return { tsv, active };
}

const parsed = (tsv: readonly string[]): FeatureTable[] => tsv.map((t, p) => parseFeaturesTsv(t, `part-${p}`));
const bytes = (chunks: Iterable<Uint8Array>) => Buffer.concat([...chunks]);

describe('Prepare in bounded memory', () => {
  it.each([1, 3, 8])('gives the sets of the whole-table path with %i parts', (count) => {
    const { tsv, active } = parts(count, 5000);
    const reference = labelAndSplit(mergeFeatureTables(parsed(tsv)), new Set(active.flat()), SEED);
    const builder = new ActiveUsersBuilder();
    for (const ids of active) builder.add(ids);
    const streamed = splitParts(parsed(tsv), builder.build(), SEED);
    for (const side of ['train', 'test'] as const) {
      expect(streamed[side].rows).toBe(reference[side].rows);
      expect(bytes(datasetChunks(streamed[side]))).toEqual(Buffer.from(encodeDataset(reference[side])));
    }
    expect(streamed.train.rows + streamed.test.rows).toBe(5000);
  });

  it('releases each part column once copied, so parts and sets are never both whole', () => {
    const tables = parsed(parts(3, 300).tsv);
    splitParts(tables, new ActiveUsersBuilder().build(), SEED);
    expect(tables.every((t) => t.columns.every((c) => c.length === 0))).toBe(true);
  });

  it('counts a user active in several parts once, and finds none in an empty week', () => {
    const builder = new ActiveUsersBuilder();
    builder.add([5, 3, 9]);
    builder.add(Float64Array.of(3, 12));
    const active = builder.build();
    expect(active.size).toBe(4);
    expect([3, 4, 5, 9, 12, 13].map((id) => active.has(id))).toEqual([true, false, true, true, true, false]);
    expect(new ActiveUsersBuilder().build().has(1)).toBe(false);
  });
});
