/**
 * The fast scorer: every feature value is turned once per block of rows into a bin index
 * (Uint8), and every split into a 32-bit mask of the bins that go left, so a step of the walk
 * is integer work only: `next = child + 1 − ((mask >>> bin) & 1)` (walk-wasm.ts walks it).
 *
 * A continuous feature's bins are cut at the thresholds the forest itself uses (sorted,
 * distinct): bin b = how many thresholds are below x, so `x ≤ t_k` ⟺ `b ≤ k` and the mask of
 * threshold k has bits 0..k set. The comparison is the same double comparison the tree
 * makes, so the leaf reached is the same. A categorical feature's bin is its category index;
 * anything else (an index outside the model's categories, NaN) takes bin 31, which no mask
 * has: it goes right, as a category a node never saw does.
 *
 * So it serves models whose features have at most 31 thresholds and at most 31 categories
 * (the histogram engine with maxBins ≤ 32, the default); `quantize` says undefined otherwise
 * and score.ts walks the trees with their float thresholds instead.
 */
import type { ForestModel } from './model.ts';
import { nodeOf } from './tree.ts';

/** Rows per block: one block's bins and sums stay in the L1 cache. */
export const BLOCK = 256;
const BLOCK_SHIFT = 8;
const BINS = 32;
/** The bin of a category the model does not know: no mask has its bit. */
const UNSEEN = BINS - 1;
const FEATURE_BITS = 6;
const FEATURE_MASK = (1 << FEATURE_BITS) - 1;
/** The walker (walk-wasm.ts) keeps a node's byte offset (index × 8) in the 26 bits above the feature. */
const MAX_NODES = 1 << 23;

export interface QuantizedForest {
  readonly trees: number;
  readonly features: number;
  readonly roots: Int32Array;
  /** Levels of each tree: the walk takes exactly this many steps (a leaf steps onto itself). */
  readonly depth: Int32Array;
  /**
   * Per node: left child << 6 | feature (the right child sits next to the left one). A leaf
   * is its own child and reads feature `features`, a column of zero bins, whose bit its mask
   * has: walking on stays put, and what it adds to that column is thrown away.
   */
  readonly meta: Int32Array;
  /** Per node: bit b set ⟺ bin b goes left. */
  readonly mask: Int32Array;
  /** Per node: its class-1 share (the leaf's is the tree's answer). */
  readonly value: Float64Array;
  /** Per node: its value minus its parent's (0 at a root): what the parent's split adds on this path. */
  readonly delta: Float64Array;
  /** Per continuous feature: its thresholds ascending, padded with +∞ to 32 (f × 32 + k). */
  readonly edges: Float64Array;
  /** Per continuous feature: the bins of the whole numbers 0..255 (f × 256 + x), most counts and ages: one load instead of a search. */
  readonly small: Uint8Array;
  /** Per feature: its number of categories, 0 for a continuous feature. */
  readonly categories: Int32Array;
}

/** Whole numbers below this take their bin from `small`. */
const SMALL = 256;

const quantized = new WeakMap<ForestModel, QuantizedForest | null>();

/** The model compiled for the fast scorer, or undefined when a feature has more than 31 thresholds or categories. */
export function quantize(model: ForestModel): QuantizedForest | undefined {
  let q = quantized.get(model);
  if (q === undefined) {
    q = compile(model) ?? null;
    quantized.set(model, q);
  }
  return q ?? undefined;
}

function compile(model: ForestModel): QuantizedForest | undefined {
  const d = model.schema.features.length;
  if (d >= FEATURE_MASK) return undefined;
  const categories = Int32Array.from(model.schema.features, (f) =>
    f.kind === 'categorical' ? (f.values?.length ?? 0) : 0,
  );
  const thresholds = thresholdsOf(model, categories);
  if (categories.some((n) => n > UNSEEN) || thresholds.some((t) => t.length >= BINS)) return undefined;
  const edges = new Float64Array(d * BINS).fill(Infinity);
  thresholds.forEach((t, f) => edges.set(t, f * BINS));
  const total = model.trees.reduce((s, t) => s + t.feature.length, 0);
  if (total >= MAX_NODES) return undefined;
  const q: QuantizedForest = {
    trees: model.trees.length,
    features: d,
    roots: new Int32Array(model.trees.length),
    depth: new Int32Array(model.trees.length),
    meta: new Int32Array(total),
    mask: new Int32Array(total),
    value: new Float64Array(total),
    delta: new Float64Array(total),
    edges,
    small: smallBins(edges, d),
    categories,
  };
  let base = 0;
  model.trees.forEach((tree, t) => {
    q.roots[t] = base;
    q.depth[t] = layOut(q, tree, base, (f, split) =>
      categories[f]! > 0 ? split : (1 << (thresholds[f]!.indexOf(split) + 1)) - 1,
    );
    base += tree.feature.length;
  });
  return q;
}

function smallBins(edges: Float64Array, d: number): Uint8Array {
  const small = new Uint8Array(d * SMALL);
  for (let f = 0; f < d; f++)
    for (let x = 0; x < SMALL; x++) {
      let b = 0;
      while (x > edges[f * BINS + b]!) b++; // the last edge is +∞
      small[f * SMALL + x] = b;
    }
  return small;
}

/** Each continuous feature's distinct thresholds over all trees, ascending. */
function thresholdsOf(model: ForestModel, categories: Int32Array): number[][] {
  const sets = Array.from(categories, () => new Set<number>());
  for (const tree of model.trees)
    tree.feature.forEach((f, i) => {
      if (f >= 0 && categories[f] === 0) sets[f]!.add(tree.split[i]!);
    });
  return sets.map((s) => [...s].sort((a, b) => a - b));
}

/**
 * One tree renumbered breadth first from `base`, so a node's children sit side by side;
 * returns its depth. `maskOf(feature, split)` gives the bins going left.
 */
function layOut(
  q: QuantizedForest,
  tree: ForestModel['trees'][number],
  base: number,
  maskOf: (feature: number, split: number) => number,
): number {
  const queue = [{ old: 0, level: 0, parent: -1 }];
  let depth = 0;
  let i = 0;
  for (const { old, level, parent } of queue) {
    const at = base + i++;
    const node = nodeOf(tree, old);
    depth = Math.max(depth, level);
    q.value[at] = node.count1 / (node.count0 + node.count1);
    q.delta[at] = parent < 0 ? 0 : q.value[at]! - q.value[parent]!;
    if (node.feature < 0) {
      q.meta[at] = (at << FEATURE_BITS) | q.features;
      q.mask[at] = -1;
      continue;
    }
    q.meta[at] = ((base + queue.length) << FEATURE_BITS) | node.feature;
    q.mask[at] = maskOf(node.feature, node.split);
    queue.push({ old: node.left, level: level + 1, parent: at }, { old: node.right, level: level + 1, parent: at });
  }
  return depth;
}

/** Rows start..start+n of the columns into the block's bins. */
export function fillBins(
  q: QuantizedForest,
  columns: readonly Float32Array[],
  start: number,
  n: number,
  bins: Uint8Array,
) {
  const { edges, small } = q;
  for (let f = 0; f < q.features; f++) {
    const column = columns[f]!;
    const o = f << BLOCK_SHIFT;
    const categories = q.categories[f]!;
    if (categories > 0) {
      for (let i = 0; i < n; i++) {
        const x = column[start + i]!;
        bins[o + i] = x >>> 0 === x && x < categories ? x : UNSEEN;
      }
      continue;
    }
    // Branch-free lower bound over 32 padded thresholds: how many are below x (NaN: none).
    const e = f * BINS;
    const s = f * SMALL;
    for (let i = 0; i < n; i++) {
      const x = column[start + i]!;
      if (x >>> 0 === x && x < SMALL) {
        bins[o + i] = small[s + x]!;
        continue;
      }
      let b = +(x > edges[e + 15]!) << 4;
      b += +(x > edges[e + b + 7]!) << 3;
      b += +(x > edges[e + b + 3]!) << 2;
      b += +(x > edges[e + b + 1]!) << 1;
      b += +(x > edges[e + b]!);
      bins[o + i] = b;
    }
  }
}
