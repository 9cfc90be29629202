/**
 * One tree of the histogram engine. Rows are drawn per tree (bootstrap counts or a
 * subsample), then nodes grow depth first: at each node a random subset of features is
 * tried, each with a (bin × class) histogram of the node's rows, and the best split by
 * information gain wins. Continuous features split between bins; categorical features
 * split as a category subset, found by ordering the node's categories by their positive
 * rate and scanning the prefixes (exact for two classes, as MLlib does).
 * The tree depends only on (data, options, treeIndex): serial and parallel training agree.
 *
 * Where the time goes (see README.md): per node, one pass over its records (records.ts)
 * fills the histograms of its chosen features (histogram.ts), and one more swaps them in
 * place into the children's two runs.
 */
import type { BinnedData } from './binning.ts';
import { bestSplit, fillHistograms, nodeHistograms } from './histogram.ts';
import { impurityOf } from './impurity.ts';
import { featuresPerNode, type ForestOptions } from './params.ts';
import { MAX_WEIGHT, packRecords, type Records } from './records.ts';
import { mulberry32, treeSeed, type Random } from './rng.ts';

/** A tree as flat arrays, nodes in depth-first order (root 0, left subtree before right). */
export interface FlatTree {
  /** Feature index of the split; -1 on a leaf. */
  readonly feature: number[];
  /** Continuous: the threshold (value ≤ it goes left). Categorical: bitmask of the categories that go left. 0 on a leaf. */
  readonly split: number[];
  /** Child node indices; -1 on a leaf. */
  readonly left: number[];
  readonly right: number[];
  /** Bootstrap-weighted training rows of class 0 ("not retained") and class 1 ("retained") in the node. */
  readonly count0: number[];
  readonly count1: number[];
  /** Information gain of the split (impurity decrease per row of the node); 0 on a leaf. */
  readonly gain: number[];
}

/** One node of a FlatTree as a record. */
interface FlatNode {
  readonly feature: number;
  readonly split: number;
  readonly left: number;
  readonly right: number;
  readonly count0: number;
  readonly count1: number;
  readonly gain: number;
}

/** Node i of a tree (for walks over a model, not for the training and scoring loops); throws when there is none. */
export function nodeOf(tree: FlatTree, i: number): FlatNode {
  const [feature, split, left, right, count0, count1, gain] = [
    tree.feature[i],
    tree.split[i],
    tree.left[i],
    tree.right[i],
    tree.count0[i],
    tree.count1[i],
    tree.gain[i],
  ];
  if (
    feature === undefined ||
    split === undefined ||
    left === undefined ||
    right === undefined ||
    count0 === undefined ||
    count1 === undefined ||
    gain === undefined
  )
    throw new RangeError(`tree node ${i} does not exist (the tree has ${tree.feature.length} nodes)`);
  return { feature, split, left, right, count0, count1, gain };
}

/** Gains below this are rounding noise, never a real split. */
const MIN_GAIN = 1e-12;

/** Bootstrap draws made before they are counted: a loop of only draws, then one of only counts, runs 1.7× faster. */
const DRAW_CHUNK = 4096;

/**
 * Bootstrap counts (or 0/1 for a subsample) per row, drawn from the tree's stream. Bytes,
 * not words: the draws land anywhere in the array, and a quarter of the size stays in cache.
 */
function drawWeights(random: Random, n: number, options: ForestOptions): Uint8Array {
  const weights = new Uint8Array(n);
  if (options.bootstrap) {
    const draws = Math.max(1, Math.round(n * options.subsamplingRate));
    const rows = new Int32Array(Math.min(draws, DRAW_CHUNK));
    for (let done = 0; done < draws; done += rows.length) {
      const m = Math.min(rows.length, draws - done);
      for (let i = 0; i < m; i++) rows[i] = Math.floor(random() * n);
      for (let i = 0; i < m; i++) {
        const r = rows[i]!;
        if (weights[r] === MAX_WEIGHT) throw new RangeError(`row ${r} drawn over ${MAX_WEIGHT} times`);
        weights[r]!++;
      }
    }
  } else if (options.subsamplingRate >= 1) {
    weights.fill(1);
  } else {
    for (let r = 0; r < n; r++) weights[r] = random() < options.subsamplingRate ? 1 : 0;
  }
  return weights;
}

export function trainTree(data: BinnedData, options: ForestOptions, treeIndex: number): FlatTree {
  const random = mulberry32(treeSeed(options.seed, treeIndex));
  const records = packRecords(data, drawWeights(random, data.rows, options));
  const featureCount = data.features;
  const perNode = featuresPerNode(options, featureCount);
  const perm = Int32Array.from({ length: featureCount }, (_, i) => i);
  const h = nodeHistograms(data, perNode);
  const order = new Int32Array(h.slot / 2);
  const goesLeft = new Uint8Array(h.slot / 2);
  const { impurity: kind, minInstancesPerNode: minInst, maxDepth } = options;
  const tree: FlatTree = { feature: [], split: [], left: [], right: [], count0: [], count1: [], gain: [] };

  const isLeaf = (depth: number, n0: number, n1: number): boolean =>
    depth >= maxDepth || impurityOf(kind, n0, n1) <= 0 || n0 + n1 < 2 * minInst;

  // A node's features: a partial Fisher-Yates shuffle, tried in ascending order so ties
  // between equal gains resolve the same way every time.
  const drawFeatures = (): void => {
    const { chosen } = h;
    for (let i = 0; i < perNode; i++) {
      const j = i + Math.floor(random() * (featureCount - i));
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
      chosen[i] = perm[i]!;
    }
    chosen.sort();
    h.lanes.set(chosen);
  };

  const build = (start: number, end: number, depth: number, n0: number, n1: number): number => {
    const id = tree.feature.length;
    tree.feature.push(-1);
    tree.split.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.count0.push(n0);
    tree.count1.push(n1);
    tree.gain.push(0);
    if (isLeaf(depth, n0, n1)) return id;
    drawFeatures();
    fillHistograms(records, start, end, h);
    const best = bestSplit(data, options, h, n0, n1, order);
    if (best.feature < 0 || best.gain <= MIN_GAIN || best.gain < options.minInfoGain) return id;

    const f = best.feature;
    const categorical = data.categorical[f]!;
    tree.feature[id] = f;
    tree.split[id] = categorical ? best.split : data.thresholds[f]![best.split]!;
    tree.gain[id] = Number(best.gain.toPrecision(6));
    const [l0, l1, r0, r1] = [best.l0, best.l1, n0 - best.l0, n1 - best.l1];
    let middle = start;
    if (!isLeaf(depth + 1, l0, l1) || !isLeaf(depth + 1, r0, r1)) {
      // The children's rows are read again: partition them.
      for (let b = 0; b < goesLeft.length; b++)
        goesLeft[b] = categorical ? (best.split >>> b) & 1 : b <= best.split ? 1 : 0;
      middle = partition(records, start, end, f, goesLeft);
    }
    tree.left[id] = build(start, middle, depth + 1, l0, l1);
    tree.right[id] = build(middle, end, depth + 1, r0, r1);
    return id;
  };
  build(0, records.count, 0, records.n0, records.n1);
  return tree;
}

/**
 * Moves the records of [start, end) whose bin of `feature` goes left before the others
 * (two cursors from both ends, swapping misplaced pairs: order within a side is not kept
 * and need not be). Returns the first right record.
 */
function partition(records: Records, start: number, end: number, feature: number, goesLeft: Uint8Array): number {
  const { words, bytes, wordsPerRecord: W, bytesPerRecord: B } = records;
  let i = start;
  let j = end - 1;
  for (;;) {
    while (i <= j && goesLeft[bytes[i * B + feature]!] === 1) i++;
    while (i <= j && goesLeft[bytes[j * B + feature]!] === 0) j--;
    if (i > j) return i;
    // Record i goes right and record j left: swap them.
    for (let k = 0, a = i * W, b = j * W; k < W; k++) {
      const t = words[a + k]!;
      words[a + k] = words[b + k]!;
      words[b + k] = t;
    }
    i++;
    j--;
  }
}
