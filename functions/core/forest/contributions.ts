/**
 * Why the forest says what it says for a row: its path decomposition (Saabas). In each
 * tree, every split on the row's path from root to leaf moves the value — the node's
 * class-1 share — from the node's to the child's; that change is credited to the split's
 * feature. The changes along a path add up to leaf − root exactly, so averaged over trees:
 *
 *   probability = baseRate + Σ_features contribution,  baseRate = mean over trees of the root's share.
 *
 * Every node of model.json keeps its (bootstrap-weighted) class counts, inner ones too, so
 * the shares come straight from the model.
 */
import type { ForestModel } from './model.ts';
import { BLOCK, fillBins, quantize, type QuantizedForest } from './quantized.ts';
import { walkerOf } from './walk-wasm.ts';
import { nodeOf } from './tree.ts';

export interface Contributions {
  /** P(retained) per row: the same numbers scoreColumns gives. */
  readonly probabilities: Float64Array;
  /** Row-major, one per feature (schema order): contributions[r × features + f]. */
  readonly contributions: Float64Array;
  /** The forest's answer before it looks at any feature. */
  readonly baseRate: number;
}

/** The mean over trees of the root's class-1 share. */
export function baseRate(model: ForestModel): number {
  let sum = 0;
  for (const tree of model.trees) {
    const root = nodeOf(tree, 0);
    sum += root.count1 / (root.count0 + root.count1);
  }
  return sum / model.trees.length;
}

/** Probabilities and per-feature contributions for `rows` rows of column-major features (as scoreColumns takes them). */
export function contributionColumns(
  model: ForestModel,
  columns: readonly Float32Array[],
  rows = columns[0]?.length ?? 0,
): Contributions {
  const d = model.schema.features.length;
  if (columns.length !== d) throw new Error(`scoring needs ${d} feature columns, got ${columns.length}`);
  const out = { probabilities: new Float64Array(rows), contributions: new Float64Array(rows * d) };
  const q = quantize(model);
  if (q) contributionsQuantized(q, columns, rows, out);
  else contributionsByThresholds(model, columns, rows, out);
  return { ...out, baseRate: baseRate(model) };
}

type Out = Omit<Contributions, 'baseRate'>;

function contributionsQuantized(q: QuantizedForest, columns: readonly Float32Array[], rows: number, out: Out): void {
  const walker = walkerOf(q);
  const { bins, sums, credits } = walker;
  const d = q.features;
  const { probabilities, contributions } = out;
  const inv = 1 / q.trees;
  for (let start = 0; start < rows; start += BLOCK) {
    const n = Math.min(BLOCK, rows - start);
    fillBins(q, columns, start, n, bins);
    sums.fill(0);
    credits.fill(0);
    walker.explain(n);
    for (let i = 0; i < n; i++) {
      probabilities[start + i] = sums[i]! * inv;
      const o = (start + i) * d;
      for (let f = 0; f < d; f++) contributions[o + f] = credits[f * BLOCK + i]! * inv;
    }
  }
}

/** One row at a time down the model's own arrays: for models the quantized scorer cannot take. */
function contributionsByThresholds(model: ForestModel, columns: readonly Float32Array[], rows: number, out: Out): void {
  const d = model.schema.features.length;
  const categorical = model.schema.features.map((f) => f.kind === 'categorical');
  const inv = 1 / model.trees.length;
  const share = (node: { count0: number; count1: number }) => node.count1 / (node.count0 + node.count1);
  for (const tree of model.trees) {
    for (let r = 0; r < rows; r++) {
      let node = nodeOf(tree, 0);
      while (node.feature >= 0) {
        const x = columns[node.feature]![r]!;
        // The same decision as score.ts's walk on float thresholds.
        const left = categorical[node.feature] ? ((node.split >>> x) & 1) === 1 : !(x > node.split);
        const child = nodeOf(tree, left ? node.left : node.right);
        out.contributions[r * d + node.feature]! += share(child) - share(node);
        node = child;
      }
      out.probabilities[r]! += share(node);
    }
  }
  for (let r = 0; r < rows; r++) out.probabilities[r]! *= inv;
  for (let i = 0; i < rows * d; i++) out.contributions[i]! *= inv;
}

/** One feature's part in a prediction, with the row's value as the caller knows it. */
export interface FeatureContribution {
  readonly feature: string;
  readonly value: string | number;
  readonly contribution: number;
}

/**
 * Row r's `count` largest contributions (`features`: the schema's, in order) by size (ties: schema order), rounded to 4 decimals;
 * features that did not move the prediction are left out. `valueOf(f)` is the row's value of
 * feature f as it should be shown (the category name, the number sent).
 */
export function topReasons(
  features: readonly { readonly name: string }[],
  contributions: Float64Array,
  r: number,
  valueOf: (feature: number) => string | number,
  count = 3,
): FeatureContribution[] {
  const d = features.length;
  const order: number[] = [];
  for (let f = 0; f < d; f++) if (contributions[r * d + f] !== 0) order.push(f);
  const size = (f: number) => Math.abs(contributions[r * d + f]!);
  order.sort((a, b) => size(b) - size(a) || a - b);
  return order.slice(0, count).map((f) => ({
    feature: features[f]!.name,
    value: valueOf(f),
    contribution: Math.round(contributions[r * d + f]! * 1e4) / 1e4 || 0,
  }));
}
