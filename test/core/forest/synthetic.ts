/**
 * Generated labelled sets for the forest tests, from documented models: every feature is
 * drawn in its schema range (categories as indices, counts 0..9, gender 0/1, age 20..70),
 * and the label comes from a rule given by the test.
 */
import { FEATURES, featureCategories } from '../../../functions/core/schema.ts';
import type { LabelledSet } from '../../../functions/core/training/labels.ts';
import { mulberry32 } from '../../../functions/core/forest/rng.ts';

export type Row = Float32Array;

/** `rows` random rows; `label(row, random)` decides each label (0/1). */
export function generateSet(
  rows: number,
  seed: number,
  label: (row: Row, random: () => number) => number,
): LabelledSet {
  const random = mulberry32(seed);
  const columns = FEATURES.map(() => new Float32Array(rows));
  const labels = new Uint8Array(rows);
  const userIds = new Float64Array(rows);
  const row = new Float32Array(FEATURES.length);
  for (let r = 0; r < rows; r++) {
    FEATURES.forEach((spec, f) => {
      if (spec.kind === 'categorical') row[f] = Math.floor(random() * featureCategories(spec).length);
      else if (spec.name === 'age') row[f] = 20 + Math.floor(random() * 51);
      else row[f] = Math.floor(random() * 10);
      columns[f][r] = row[f];
    });
    labels[r] = label(row, random);
    userIds[r] = r + 1;
  }
  return { rows, userIds, columns, labels };
}

/** A churn-like rule: retention more likely with more pc use and some industries, plus noise. */
export function churnProbability(row: Row): number {
  const industry = row[0];
  const pc = row[5];
  const age = row[16];
  const z = -1 + 0.35 * pc + (industry === 2 || industry === 4 ? 1.2 : 0) - 0.02 * (age - 45) + 0.2 * row[11];
  return 1 / (1 + Math.exp(-z));
}
