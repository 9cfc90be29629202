/**
 * Labelled sets from extracted weeks (issue 3). Rows are the users in week W's features.tsv;
 * label 1 when the user is in week W+1's active_users.txt; a deterministic 70/30 split by a
 * hash of (user_id, seed), never by row order. The columnar parsing, the hash and the
 * binary encoding are the training flow's (functions/core/training/), so the CLI and the
 * Step Functions Prepare/Train Lambdas split and encode byte for byte alike.
 */
import type { Categories } from '../schema.ts';
import { parseActiveUsers, parseFeaturesTsv, type FeatureTable } from '../training/features-table.ts';
import { TEST_SHARE, isTestUser, userHash, type LabelledSet, type PreparedSets } from '../training/labels.ts';

export { decodeDataset, encodeDataset, DATASET_FORMAT_VERSION } from '../training/dataset-file.ts';
export { parseActiveUsers, parseFeaturesTsv, TEST_SHARE, isTestUser, userHash };
export type { FeatureTable, LabelledSet, PreparedSets };

/** Every row of the week labelled: 1 when the user is active in the next week. */
export function labelRows(table: FeatureTable, nextWeekActive: ReadonlySet<number>): LabelledSet {
  const labels = new Uint8Array(table.rows);
  for (let r = 0; r < table.rows; r++) labels[r] = nextWeekActive.has(table.userIds[r]) ? 1 : 0;
  return { rows: table.rows, userIds: table.userIds, columns: table.columns, labels };
}

/** features.tsv and active_users.txt texts → the labelled rows of week W. */
export function buildTrainingSet(
  featuresTsv: string,
  nextActiveUsers: string,
  options: { source?: string; categories?: Categories } = {},
): LabelledSet {
  const table = parseFeaturesTsv(featuresTsv, options.source ?? 'features.tsv', options.categories);
  return labelRows(table, parseActiveUsers(nextActiveUsers));
}

/** The 70/30 split: a user is in the test set when hash(user_id, seed) falls in the first 30 %. */
export function splitByUser(set: LabelledSet, seed: number): PreparedSets {
  const test = new Uint8Array(set.rows);
  let testRows = 0;
  for (let r = 0; r < set.rows; r++) {
    test[r] = isTestUser(set.userIds[r], seed) ? 1 : 0;
    testRows += test[r];
  }
  const take = (side: number, rows: number): LabelledSet => {
    const userIds = new Float64Array(rows);
    const labels = new Uint8Array(rows);
    const columns = set.columns.map(() => new Float32Array(rows));
    for (let r = 0, o = 0; r < set.rows; r++) {
      if (test[r] !== side) continue;
      userIds[o] = set.userIds[r];
      labels[o] = set.labels[r];
      for (let f = 0; f < columns.length; f++) columns[f][o] = set.columns[f][r];
      o++;
    }
    return { rows, userIds, columns, labels };
  };
  return { train: take(0, set.rows - testRows), test: take(1, testRows) };
}
