/**
 * Gain-based feature importance: each split's impurity decrease weighted by the rows it
 * splits, summed per feature within a tree and normalised per tree, then averaged over the
 * trees and normalised to sum 1 (as scikit-learn and MLlib do).
 */
import type { ForestModel } from './model.ts';
import { nodeOf } from './tree.ts';

export interface FeatureImportance {
  readonly feature: string;
  readonly importance: number;
}

export function featureImportance(model: ForestModel): FeatureImportance[] {
  const d = model.schema.features.length;
  const sum = new Float64Array(d);
  for (const tree of model.trees) {
    const perTree = new Float64Array(d);
    let total = 0;
    for (let i = 0; i < tree.feature.length; i++) {
      const { feature, gain, count0, count1 } = nodeOf(tree, i);
      if (feature < 0) continue;
      if (feature >= d) throw new RangeError(`tree node ${i}: feature ${feature} is not in the schema (${d} features)`);
      const decrease = gain * (count0 + count1);
      perTree[feature]! += decrease;
      total += decrease;
    }
    if (total > 0) perTree.forEach((share, f) => (sum[f]! += share / total));
  }
  const all = sum.reduce((a, b) => a + b, 0);
  return model.schema.features.map((f, i) => ({ feature: f.name, importance: all > 0 ? (sum[i] ?? 0) / all : 0 }));
}
