/**
 * A week's extracted features as columns: user ids plus one Float32Array per feature
 * (categorical features hold the category's index in its list, gender 0/1). Built straight
 * from features.tsv text without a row object per user, so 1M users stay within tens of MB.
 */
import { DEFAULT_CATEGORIES, FEATURES, featureCategories, type Categories } from '#core/schema.ts';
import { parseActiveUsers as readActiveUserIds, readFeaturesTsv } from '#core/extraction/files.ts';

export interface FeatureTable {
  readonly rows: number;
  /** Ascending. */
  readonly userIds: Float64Array;
  /** FEATURES order (schema.ts), each of length `rows`. */
  readonly columns: Float32Array[];
}

/** Count features are summed when a user appears in several part files of one week. */
const SUMMED = FEATURES.map((f) => f.kind === 'continuous' && f.name !== 'age');

/**
 * Parses features.tsv (header row, then one row per user) with the extraction's reader
 * (extract/files.ts: it checks the header and every value); `source` names it in errors.
 */
export function parseFeaturesTsv(
  text: string,
  source: string,
  categories: Categories = DEFAULT_CATEGORIES,
): FeatureTable {
  const lookups = FEATURES.map((spec) => {
    if (spec.kind !== 'categorical' || spec.categories === 'gender') return undefined;
    return new Map(featureCategories(spec, categories).map((value, index) => [value, index]));
  });
  let userIds = new Float64Array(0);
  let columns: Float32Array[] = [];
  let row = 0;
  readFeaturesTsv(
    text,
    {
      begin: (rows) => {
        userIds = new Float64Array(rows);
        columns = FEATURES.map(() => new Float32Array(rows));
      },
      row: (userId, _week, values) => {
        userIds[row] = userId;
        // The reader gives one value per feature, in FEATURES order, as columns and lookups are.
        for (let f = 0; f < values.length; f++) {
          const value = values[f]!;
          // Category names were checked against `categories` by the reader; gender comes as 0/1.
          columns[f]![row] = typeof value === 'number' ? value : lookups[f]!.get(value)!;
        }
        row++;
      },
    },
    { categories, source },
  );
  return sortByUser({ rows: row, userIds, columns });
}

/**
 * One table for a week delivered in several parts. A user found in more than one part gets
 * the sum of the counts; categories and age come from the first part (in the order given),
 * as the extraction keeps a user's company from the first event.
 */
export function mergeFeatureTables(tables: readonly FeatureTable[]): FeatureTable {
  const [only] = tables;
  if (tables.length === 1 && only) return only;
  const indexOf = new Map<number, number>();
  const ids: number[] = [];
  const columns = FEATURES.map(() => [] as number[]);
  // Rows below each table's count, one column per feature in every table as here, `at` a row already pushed.
  for (const table of tables) {
    for (let r = 0; r < table.rows; r++) {
      const id = table.userIds[r]!;
      const at = indexOf.get(id);
      if (at === undefined) {
        indexOf.set(id, ids.length);
        ids.push(id);
        for (let f = 0; f < columns.length; f++) columns[f]!.push(table.columns[f]![r]!);
      } else {
        for (let f = 0; f < columns.length; f++) if (SUMMED[f]) columns[f]![at]! += table.columns[f]![r]!;
      }
    }
  }
  return sortByUser({
    rows: ids.length,
    userIds: Float64Array.from(ids),
    columns: columns.map((c) => Float32Array.from(c)),
  });
}

function sortByUser(table: FeatureTable): FeatureTable {
  // Every index here is a row of the table.
  let sorted = true;
  for (let r = 1; r < table.rows && sorted; r++) sorted = table.userIds[r - 1]! < table.userIds[r]!;
  if (sorted) return table;
  const order = Array.from({ length: table.rows }, (_, i) => i).sort((a, b) => table.userIds[a]! - table.userIds[b]!);
  return {
    rows: table.rows,
    userIds: Float64Array.from(order, (i) => table.userIds[i]!),
    columns: table.columns.map((column) => Float32Array.from(order, (i) => column[i]!)),
  };
}

/** Reads active_users.txt into a set, with the extraction core's checks (a bad line is an error, naming it). */
export function parseActiveUsers(text: string): Set<number> {
  return new Set(readActiveUserIds(text));
}
