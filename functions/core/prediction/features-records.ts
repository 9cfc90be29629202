/**
 * A week's features table (training/features-table.ts: categories as indices) turned back
 * into prediction records by feature name, as a producer sends them.
 */
import { DEFAULT_CATEGORIES, FEATURES, featureCategories, type Categories } from '#core/schema.ts';
import type { FeatureTable } from '#core/training/features-table.ts';
import type { PredictionRecord } from './record.ts';

export type UserFeatures = Omit<PredictionRecord, 'round'>;

export function userFeaturesFromTable(
  table: FeatureTable,
  categories: Categories = DEFAULT_CATEGORIES,
): UserFeatures[] {
  const lists = FEATURES.map((spec) => (spec.kind === 'categorical' ? featureCategories(spec, categories) : undefined));
  const users: UserFeatures[] = new Array(table.rows);
  for (let r = 0; r < table.rows; r++) {
    const features: Record<string, string | number> = {};
    for (let f = 0; f < FEATURES.length; f++) {
      const value = table.columns[f][r];
      const list = lists[f];
      // Gender travels as 0/1, as in features.tsv; other categories by name.
      features[FEATURES[f].name] = list && FEATURES[f].categories !== 'gender' ? list[value] : value;
    }
    users[r] = { userId: table.userIds[r], features };
  }
  return users;
}

/** The records of one round. */
export function roundRecords(users: readonly UserFeatures[], round: number): PredictionRecord[] {
  return users.map((u) => ({ userId: u.userId, round, features: u.features }));
}
