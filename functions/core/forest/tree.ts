/**
 * One tree of the histogram engine. Rows are drawn per tree (bootstrap counts or a
 * subsample), then nodes grow depth first: at each node a random subset of features is
 * tried, each with one pass over the node's rows into a (bin × class) histogram, and the
 * best split by information gain wins. Continuous features split between bins; categorical
 * features split as a category subset, found by ordering the node's categories by their
 * positive rate and scanning the prefixes (exact for two classes, as MLlib does).
 * The tree depends only on (data, options, treeIndex): serial and parallel training agree.
 */
import type { BinnedData } from './binning.ts';
import { featuresPerNode, type ForestOptions } from './params.ts';
import { mulberry32, treeSeed } from './rng.ts';

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

export function impurityOf(kind: ForestOptions['impurity'], c0: number, c1: number): number {
  const t = c0 + c1;
  if (t <= 0) return 0;
  const p0 = c0 / t;
  const p1 = c1 / t;
  if (kind === 'gini') return 1 - p0 * p0 - p1 * p1;
  return (p0 > 0 ? -p0 * Math.log2(p0) : 0) + (p1 > 0 ? -p1 * Math.log2(p1) : 0);
}

/** Gains below this are rounding noise, never a real split. */
const MIN_GAIN = 1e-12;

export function trainTree(data: BinnedData, options: ForestOptions, treeIndex: number): FlatTree {
  const random = mulberry32(treeSeed(options.seed, treeIndex));
  const n = data.rows;
  const { labels, rowBins, binCount, categorical } = data;
  const weights = new Uint32Array(n);
  if (options.bootstrap) {
    const draws = Math.max(1, Math.round(n * options.subsamplingRate));
    for (let i = 0; i < draws; i++) weights[Math.floor(random() * n)]!++;
  } else if (options.subsamplingRate >= 1) {
    weights.fill(1);
  } else {
    for (let r = 0; r < n; r++) weights[r] = random() < options.subsamplingRate ? 1 : 0;
  }
  let used = 0;
  for (let r = 0; r < n; r++) if (weights[r]! > 0) used++;
  // The drawn rows are copied into node order and moved with their node at every split:
  // a node's rows are always one contiguous run of records, so every histogram pass reads
  // memory front to back. A record is W words: the d bins as bytes, padding, and last the
  // word weight × 2 + label; moving a record is W word copies.
  const d = data.features;
  const rowWords = data.stride / 4;
  const binWords = new Uint32Array(rowBins.buffer, rowBins.byteOffset, data.rows * rowWords);
  const W = rowWords + 1;
  const B = W * 4;
  const records = new Uint32Array(used * W);
  const recordBytes = new Uint8Array(records.buffer);
  const spill = new Uint32Array(used * W);
  let c0 = 0;
  let c1 = 0;
  for (let r = 0, o = 0; r < n; r++) {
    if (weights[r] === 0) continue;
    for (let k = 0, from = r * rowWords, to = o * W; k < rowWords; k++) records[to + k] = binWords[from + k]!;
    records[o * W + W - 1] = weights[r]! * 2 + labels[r]!;
    o++;
    if (labels[r] === 1) c1 += weights[r]!;
    else c0 += weights[r]!;
  }

  const featureCount = d;
  const perNode = featuresPerNode(options, featureCount);
  const perm = Int32Array.from({ length: featureCount }, (_, i) => i);
  const chosen = new Int32Array(perNode);
  let maxBins = 2;
  for (const b of binCount) maxBins = Math.max(maxBins, b);
  const hists = new Float64Array(perNode * maxBins * 2);
  const order = new Int32Array(maxBins);
  const { impurity: kind, minInstancesPerNode: minInst, maxDepth } = options;

  const tree: FlatTree = { feature: [], split: [], left: [], right: [], count0: [], count1: [], gain: [] };

  const build = (start: number, end: number, depth: number, n0: number, n1: number): number => {
    const id = tree.feature.length;
    tree.feature.push(-1);
    tree.split.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.count0.push(n0);
    tree.count1.push(n1);
    tree.gain.push(0);
    const total = n0 + n1;
    const parentImpurity = impurityOf(kind, n0, n1);
    if (depth >= maxDepth || parentImpurity <= 0 || total < 2 * minInst) return id;

    // Features for this node: a partial Fisher-Yates shuffle, tried in ascending order so
    // ties between equal gains resolve the same way every time.
    for (let i = 0; i < perNode; i++) {
      const j = i + Math.floor(random() * (featureCount - i));
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
      chosen[i] = perm[i]!;
    }
    chosen.sort();

    let bestGain = -Infinity;
    let bestFeature = -1;
    let bestSplit = 0; // last bin going left (continuous) or category mask (categorical)
    let bestL0 = 0;
    let bestL1 = 0;
    const consider = (l0: number, l1: number): number => {
      const lw = l0 + l1;
      const rw = total - lw;
      if (lw < minInst || rw < minInst || lw === 0 || rw === 0) return -Infinity;
      return parentImpurity - (lw * impurityOf(kind, l0, l1) + rw * impurityOf(kind, n0 - l0, n1 - l1)) / total;
    };
    // One pass over the node's rows fills the histograms of all chosen features.
    const stride = maxBins * 2;
    hists.fill(0, 0, perNode * stride);
    for (let i = start; i < end; i++) {
      const p = records[i * W + W - 1]!;
      const w = p >>> 1;
      const row = i * B;
      for (let c = 0, o = p & 1; c < perNode; c++, o += stride) hists[o + recordBytes[row + chosen[c]!]! * 2]! += w;
    }
    for (let c = 0; c < perNode; c++) {
      const f = chosen[c]!;
      const nb = binCount[f]!;
      if (nb < 2) continue;
      const hist = hists.subarray(c * stride, (c + 1) * stride);
      if (!categorical[f]) {
        let l0 = 0;
        let l1 = 0;
        for (let b = 0; b < nb - 1; b++) {
          l0 += hist[b * 2]!;
          l1 += hist[b * 2 + 1]!;
          const g = consider(l0, l1);
          if (g > bestGain) {
            bestGain = g;
            bestFeature = f;
            bestSplit = b;
            bestL0 = l0;
            bestL1 = l1;
          }
        }
      } else {
        let m = 0;
        for (let b = 0; b < nb; b++) if (hist[b * 2]! + hist[b * 2 + 1]! > 0) order[m++] = b;
        const rate = (b: number): number => hist[b * 2 + 1]! / (hist[b * 2]! + hist[b * 2 + 1]!);
        const present = Array.from(order.subarray(0, m)).sort((a, b) => rate(a) - rate(b) || a - b);
        let l0 = 0;
        let l1 = 0;
        let mask = 0;
        for (let k = 0; k < m - 1; k++) {
          const b = present[k]!;
          l0 += hist[b * 2]!;
          l1 += hist[b * 2 + 1]!;
          mask = (mask | (1 << b)) >>> 0;
          const g = consider(l0, l1);
          if (g > bestGain) {
            bestGain = g;
            bestFeature = f;
            bestSplit = mask;
            bestL0 = l0;
            bestL1 = l1;
          }
        }
      }
    }
    if (bestFeature < 0 || bestGain <= MIN_GAIN || bestGain < options.minInfoGain) return id;

    // Stable partition, left rows first: a left row moves down within the run (never past
    // an unread one), a right row waits in the spill buffers and is copied back after.
    const isCat = categorical[bestFeature];
    tree.feature[id] = bestFeature;
    tree.split[id] = isCat ? bestSplit : data.thresholds[bestFeature]![bestSplit]!;
    tree.gain[id] = Number(bestGain.toPrecision(6));
    if (depth + 1 >= maxDepth) {
      // Both children are leaves: their counts are known, their rows are never read again.
      tree.left[id] = build(start, start, depth + 1, bestL0, bestL1);
      tree.right[id] = build(start, start, depth + 1, n0 - bestL0, n1 - bestL1);
      return id;
    }
    let lo = start;
    let spilled = 0;
    for (let i = start; i < end; i++) {
      const v = recordBytes[i * B + bestFeature]!;
      if (isCat ? ((bestSplit >>> v) & 1) === 1 : v <= bestSplit) {
        if (lo !== i) for (let k = 0, from = i * W, to = lo * W; k < W; k++) records[to + k] = records[from + k]!;
        lo++;
      } else {
        for (let k = 0, from = i * W, to = spilled * W; k < W; k++) spill[to + k] = records[from + k]!;
        spilled++;
      }
    }
    records.set(spill.subarray(0, spilled * W), lo * W);
    tree.left[id] = build(start, lo, depth + 1, bestL0, bestL1);
    tree.right[id] = build(lo, end, depth + 1, n0 - bestL0, n1 - bestL1);
    return id;
  };
  build(0, used, 0, c0, c1);
  return tree;
}
