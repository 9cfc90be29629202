/** Training-data statistics kept in the model and the card (`dataStats`). */
import type { FeatureInfo } from './binning.ts';
import type { FeatureStats, TrainingStats } from './model.ts';

interface Rows {
  readonly rows: number;
  readonly columns: readonly Float32Array[];
  readonly labels: Uint8Array;
}

/** Rows, class counts and per-feature summaries of the training set (model card dataStats). */
export function trainingStats(set: Rows, schema: readonly FeatureInfo[]): TrainingStats {
  let retained = 0;
  // The loops read rows 0..rows-1 of arrays that have them (indexed: for-of over a subarray is slower here).
  for (let r = 0; r < set.rows; r++) retained += set.labels[r]!;
  const features: FeatureStats[] = schema.map((spec, f) => {
    const column = set.columns[f];
    if (column === undefined) throw new Error(`training set has no column ${f} (${spec.name})`);
    if (spec.kind === 'categorical') {
      const counts = new Array<number>(spec.values?.length ?? 0).fill(0);
      // A category index is below the list's length (binColumns rejects any other).
      for (let r = 0; r < set.rows; r++) counts[column[r]!]!++;
      return { name: spec.name, counts };
    }
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (let r = 0; r < set.rows; r++) {
      const v = column[r]!;
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    return set.rows
      ? { name: spec.name, min, max, mean: Math.round((sum / set.rows) * 1e4) / 1e4 }
      : { name: spec.name };
  });
  return { rows: set.rows, retained, notRetained: set.rows - retained, features };
}
