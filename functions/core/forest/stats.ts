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
  for (const label of set.labels.subarray(0, set.rows)) retained += label;
  const features: FeatureStats[] = schema.map((spec, f) => {
    const column = set.columns[f]?.subarray(0, set.rows);
    if (column === undefined) throw new Error(`training set has no column ${f} (${spec.name})`);
    if (spec.kind === 'categorical') {
      const counts = new Array<number>(spec.values?.length ?? 0).fill(0);
      // `!`: a category index is below the list's length (binColumns rejects any other), no branch per row.
      for (const v of column) counts[v]!++;
      return { name: spec.name, counts };
    }
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of column) {
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
