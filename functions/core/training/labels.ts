/**
 * Labels and the train/test split. A train-week user is labelled 1 ("retained") when the
 * label week's active users include them. The split is by a hash of (user id, seed), so a
 * user lands on the same side in every run with that seed, whatever the row order.
 */
import type { FeatureTable } from './features-table.ts';

const TEST_SHARE = 0.3;

export interface LabelledSet {
  readonly rows: number;
  readonly userIds: Float64Array;
  readonly columns: Float32Array[];
  /** 1 retained, 0 not. */
  readonly labels: Uint8Array;
}

export interface PreparedSets {
  readonly train: LabelledSet;
  readonly test: LabelledSet;
}

/** 32-bit integer mix (murmur3 finalizer) of the user id and the seed. */
function userHash(userId: number, seed: number): number {
  let h = (Math.imul(userId | 0, 0x9e3779b1) ^ Math.imul(seed | 0, 0x85ebca6b) ^ Math.floor(userId / 2 ** 32)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** True when the user belongs to the test set (30 % of users for any seed). */
export function isTestUser(userId: number, seed: number): boolean {
  return userHash(userId, seed) / 2 ** 32 < TEST_SHARE;
}

/** Labels every row of the train week and splits the rows 70/30. */
export function labelAndSplit(table: FeatureTable, labelWeekActive: ReadonlySet<number>, seed: number): PreparedSets {
  // r counts the table's rows and o the side's; the columns are the table's, one per feature.
  const side = new Uint8Array(table.rows);
  let testRows = 0;
  for (let r = 0; r < table.rows; r++) {
    const isTest = isTestUser(table.userIds[r]!, seed) ? 1 : 0;
    side[r] = isTest;
    testRows += isTest;
  }
  const pick = (which: number, rows: number): LabelledSet => {
    const userIds = new Float64Array(rows);
    const labels = new Uint8Array(rows);
    const columns = table.columns.map(() => new Float32Array(rows));
    let o = 0;
    for (let r = 0; r < table.rows; r++) {
      if (side[r] !== which) continue;
      const userId = table.userIds[r]!;
      userIds[o] = userId;
      labels[o] = labelWeekActive.has(userId) ? 1 : 0;
      for (let f = 0; f < columns.length; f++) columns[f]![o] = table.columns[f]![r]!;
      o++;
    }
    return { rows, userIds, labels, columns };
  };
  return { train: pick(0, table.rows - testRows), test: pick(1, testRows) };
}

export interface LabelStats {
  readonly rows: number;
  readonly retained: number;
  readonly notRetained: number;
}

/** Counts a person reads in the model card. */
export function labelStats(set: LabelledSet): LabelStats {
  let retained = 0;
  for (let r = 0; r < set.rows; r++) retained += set.labels[r]!; // rows of the set
  return { rows: set.rows, retained, notRetained: set.rows - retained };
}
