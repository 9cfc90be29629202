/**
 * A week's features table (training/features-table.ts: categories as indices) turned back
 * into prediction records by feature name, as a producer sends them.
 */
import { DEFAULT_CATEGORIES, FEATURES, categoryName, type Categories } from '#core/schema.ts';
import type { FeatureTable } from '#core/training/features-table.ts';
import type { PredictionRecord } from './record.ts';

export type UserFeatures = Omit<PredictionRecord, 'round'>;

export function userFeaturesFromTable(
  table: FeatureTable,
  categories: Categories = DEFAULT_CATEGORIES,
): UserFeatures[] {
  const columns = FEATURES.map((spec, f) => {
    const column = table.columns[f];
    if (column === undefined) throw new Error(`the features table has no column ${f} (${spec.name})`);
    // Gender travels as 0/1, as in features.tsv; other categories by name.
    const list = spec.kind === 'categorical' && spec.categories !== 'gender' ? spec.categories : undefined;
    return { name: spec.name, column, list };
  });
  return Array.from(table.userIds.subarray(0, table.rows), (userId, r) => {
    const features: Record<string, string | number> = {};
    for (const { name, column, list } of columns) {
      const value = column[r];
      if (value === undefined) throw new Error(`the features table's column ${name} has no row ${r}`);
      features[name] = list ? categoryName(categories, list, value) : value;
    }
    return { userId, features };
  });
}

/** The records of one round, naming their week when it is known (outcomes compare it with the week after). */
export function roundRecords(users: readonly UserFeatures[], round: number, week?: number): PredictionRecord[] {
  if (week === undefined) return users.map((u) => ({ userId: u.userId, round, features: u.features }));
  return users.map((u) => ({ userId: u.userId, round, week, features: u.features }));
}

/** The number a record carries for a week id: numbered weeks only ("3" → 3; an ISO week has none). */
export function recordWeek(week: string): number | undefined {
  return /^\d+$/.test(week) ? Number(week) : undefined;
}
