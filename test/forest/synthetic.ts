/**
 * Generated labelled sets for the forest tests, from documented models: every feature is
 * drawn in its schema range (categories as indices, counts 0..9, gender 0/1, age 20..70),
 * and the label comes from a rule given by the test.
 */
import { FEATURES, featureCategories, featureIndex } from '#core/schema.ts';
import type { LabelledSet } from '#core/training/labels.ts';
import { mulberry32 } from '#core/forest/rng.ts';

export type Row = Float32Array;

/** A row's value of the named feature (rows have every feature of the schema). */
export function feature(row: Row, name: string): number {
  const value = row[featureIndex(name)];
  if (value === undefined) throw new Error(`the row has no ${name} (${row.length} values)`);
  return value;
}

/** `rows` random rows; `label(row, random)` decides each label (0/1). */
export function generateSet(
  rows: number,
  seed: number,
  label: (row: Row, random: () => number) => number,
): LabelledSet {
  const random = mulberry32(seed);
  const columns = FEATURES.map((spec) => ({ spec, values: new Float32Array(rows) }));
  const labels = new Uint8Array(rows);
  const userIds = new Float64Array(rows);
  const row = new Float32Array(FEATURES.length);
  for (let r = 0; r < rows; r++) {
    columns.forEach(({ spec, values }, f) => {
      const v =
        spec.kind === 'categorical'
          ? Math.floor(random() * featureCategories(spec).length)
          : spec.name === 'age'
            ? 20 + Math.floor(random() * 51)
            : Math.floor(random() * 10);
      row[f] = v;
      values[r] = v;
    });
    labels[r] = label(row, random);
    userIds[r] = r + 1;
  }
  return { rows, userIds, columns: columns.map((c) => c.values), labels };
}

/** A churn-like rule: retention more likely with more pc use and some industries, plus noise. */
export function churnProbability(row: Row): number {
  const industry = feature(row, 'industry');
  const pc = feature(row, 'pc');
  const age = feature(row, 'age');
  const z =
    -1 + 0.35 * pc + (industry === 2 || industry === 4 ? 1.2 : 0) - 0.02 * (age - 45) + 0.2 * feature(row, 'inspect');
  return 1 / (1 + Math.exp(-z));
}
