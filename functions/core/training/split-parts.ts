/**
 * The train week's parts merged, labelled and split in one pass, in about the memory the
 * parts already take: the parts (each sorted by user, features-table.ts) are merged by user
 * id without building a merged table, every part row is given its place in the train or test
 * set, and then, one feature at a time, each part's column is copied to its place and
 * released. The result equals mergeFeatureTables then labelAndSplit (test/training/prepare-memory.test.ts).
 */
import { FEATURES } from '#core/schema.ts';
import type { FeatureTable } from './features-table.ts';
import { isTestUser, type LabelledSet, type PreparedSets } from './labels.ts';

/** Count features are summed when a user appears in several parts; categories and age come from the first. */
const SUMMED = FEATURES.map((f) => f.kind === 'continuous' && f.name !== 'age');
const RELEASED = new Float32Array(0);

interface Placement {
  /** Per part row: its row in the train set (≥ 0) or, as −1 − row, in the test set. */
  readonly place: Int32Array[];
  /** Per part row: 1 when this is the user's first part (its categories and age are kept). */
  readonly first: Uint8Array[];
  readonly train: { userIds: Float64Array; labels: Uint8Array; rows: number };
  readonly test: { userIds: Float64Array; labels: Uint8Array; rows: number };
}

/**
 * Merges, labels and splits; consumes `parts` (their feature columns are released as they
 * are copied). `active.has` says whether a user was active in the label week.
 */
export function splitParts(
  parts: readonly FeatureTable[],
  active: { has(id: number): boolean },
  seed: number,
): PreparedSets {
  const placement = place(parts, active, seed);
  const { train, test } = placement;
  const trainColumns: Float32Array[] = [];
  const testColumns: Float32Array[] = [];
  for (let f = 0; f < FEATURES.length; f++) {
    const trainColumn = new Float32Array(train.rows);
    const testColumn = new Float32Array(test.rows);
    parts.forEach((part, p) => {
      const column = part.columns[f]!; // every part has one column per feature
      const place = placement.place[p]!;
      const first = placement.first[p]!;
      for (let r = 0; r < part.rows; r++) {
        const at = place[r]!;
        const target = at >= 0 ? trainColumn : testColumn;
        const row = at >= 0 ? at : -1 - at;
        if (first[r]) target[row] = column[r]!;
        else if (SUMMED[f]) target[row]! += column[r]!;
      }
      part.columns[f] = RELEASED;
    });
    trainColumns.push(trainColumn);
    testColumns.push(testColumn);
  }
  const set = (side: Placement['train'], columns: Float32Array[]): LabelledSet => ({ ...side, columns });
  return { train: set(train, trainColumns), test: set(test, testColumns) };
}

/** Pass one, over user ids only: each merged user's side, label and row, and where each part row goes. */
function place(parts: readonly FeatureTable[], active: { has(id: number): boolean }, seed: number): Placement {
  const rows = parts.reduce((sum, part) => sum + part.rows, 0);
  const sides = {
    train: { userIds: new Float64Array(rows), labels: new Uint8Array(rows), rows: 0 },
    test: { userIds: new Float64Array(rows), labels: new Uint8Array(rows), rows: 0 },
  };
  const placeOf = parts.map((part) => new Int32Array(part.rows));
  const firstOf = parts.map((part) => new Uint8Array(part.rows));
  const heads = new Array<number>(parts.length).fill(0);
  for (;;) {
    let min = Infinity;
    parts.forEach((part, p) => {
      if (heads[p]! < part.rows) min = Math.min(min, part.userIds[heads[p]!]!);
    });
    if (min === Infinity) break;
    const isTest = isTestUser(min, seed);
    const side = isTest ? sides.test : sides.train;
    const row = side.rows++;
    side.userIds[row] = min;
    side.labels[row] = active.has(min) ? 1 : 0;
    let first = 1;
    parts.forEach((part, p) => {
      const r = heads[p]!;
      if (r >= part.rows || part.userIds[r] !== min) return;
      placeOf[p]![r] = isTest ? -1 - row : row;
      firstOf[p]![r] = first;
      first = 0;
      heads[p] = r + 1;
    });
  }
  const trimmed = (side: Placement['train']) => ({
    userIds: side.userIds.slice(0, side.rows),
    labels: side.labels.slice(0, side.rows),
    rows: side.rows,
  });
  return { place: placeOf, first: firstOf, train: trimmed(sides.train), test: trimmed(sides.test) };
}
