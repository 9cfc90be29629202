/**
 * (bin × class) histograms of a node's chosen features, and the best split they hold.
 * Histogram c (the node's c-th chosen feature) is `slot` numbers at c × slot: bin b's
 * class-0 and class-1 weights at 2b and 2b + 1. Weights are integers, so the sums are
 * exact in any order: a node's rows may be in any order and the split is the same.
 */
import type { BinnedData } from './binning.ts';
import { impurityOf } from './impurity.ts';
import type { ForestOptions } from './params.ts';
import type { Records } from './records.ts';

/** Features a histogram pass fills at once: a row's bins are read in one go, the lanes unrolled. */
const LANES = 5;

/** The node's chosen features and their histograms, filled by `fillHistograms`. */
export interface NodeHistograms {
  /** Chosen feature indices, ascending (ties between equal gains go to the lower index). */
  readonly chosen: Int32Array;
  /** The chosen features padded with feature 0 to whole groups of LANES; a padding lane fills a histogram no one reads. */
  readonly lanes: Int32Array;
  /** Histogram c at c × slot, one per lane. */
  readonly counts: Int32Array;
  /** Numbers per histogram: 2 × the most bins any feature has. */
  readonly slot: number;
}

export function nodeHistograms(data: BinnedData, perNode: number): NodeHistograms {
  let maxBins = 2;
  for (const b of data.binCount) maxBins = Math.max(maxBins, b);
  const lanes = Math.ceil(perNode / LANES) * LANES;
  return {
    chosen: new Int32Array(perNode),
    lanes: new Int32Array(lanes),
    counts: new Int32Array(lanes * maxBins * 2),
    slot: maxBins * 2,
  };
}

/** Clears the histograms and adds records [start, end), LANES features per pass over them. */
export function fillHistograms(records: Records, start: number, end: number, h: NodeHistograms): void {
  h.counts.fill(0);
  for (let lane = 0; lane < h.lanes.length; lane += LANES) fillLanes(records, start, end, h, lane);
}

/**
 * One pass adding LANES features of each record. The features and histogram offsets sit in
 * locals and the lanes are written out: a loop over the features per record costs twice as much.
 */
function fillLanes(records: Records, start: number, end: number, h: NodeHistograms, lane: number): void {
  const { bytes, bytesPerRecord: B } = records;
  const { lanes, counts, slot } = h;
  const [f0, f1, f2, f3, f4] = [lanes[lane]!, lanes[lane + 1]!, lanes[lane + 2]!, lanes[lane + 3]!, lanes[lane + 4]!];
  const h0 = lane * slot;
  const [h1, h2, h3, h4] = [h0 + slot, h0 + 2 * slot, h0 + 3 * slot, h0 + 4 * slot];
  for (let at = start * B, stop = end * B; at < stop; at += B) {
    const tag = bytes[at + B - 1]!;
    const w = tag >>> 1;
    const c = tag & 1;
    counts[h0 + c + bytes[at + f0]! * 2]! += w;
    counts[h1 + c + bytes[at + f1]! * 2]! += w;
    counts[h2 + c + bytes[at + f2]! * 2]! += w;
    counts[h3 + c + bytes[at + f3]! * 2]! += w;
    counts[h4 + c + bytes[at + f4]! * 2]! += w;
  }
}

export interface Split {
  readonly gain: number;
  readonly feature: number;
  /** Continuous: the last bin going left. Categorical: bitmask of the categories going left. */
  readonly split: number;
  /** Weighted class counts going left. */
  readonly l0: number;
  readonly l1: number;
}

/** The best split of a node with class weights (n0, n1); feature -1 when no split is possible. */
export function bestSplit(
  data: BinnedData,
  options: ForestOptions,
  h: NodeHistograms,
  n0: number,
  n1: number,
  order: Int32Array,
): Split {
  const { impurity: kind, minInstancesPerNode: minInst } = options;
  const total = n0 + n1;
  const parentImpurity = impurityOf(kind, n0, n1);
  let best: Split = { gain: -Infinity, feature: -1, split: 0, l0: 0, l1: 0 };
  const consider = (l0: number, l1: number): number => {
    const lw = l0 + l1;
    const rw = total - lw;
    if (lw < minInst || rw < minInst || lw === 0 || rw === 0) return -Infinity;
    return parentImpurity - (lw * impurityOf(kind, l0, l1) + rw * impurityOf(kind, n0 - l0, n1 - l1)) / total;
  };
  for (let c = 0; c < h.chosen.length; c++) {
    const f = h.chosen[c]!;
    const nb = data.binCount[f]!;
    if (nb < 2) continue;
    const hist = h.counts.subarray(c * h.slot, (c + 1) * h.slot);
    // Continuous: bins in order. Categorical: the present categories by positive rate.
    const bins = data.categorical[f] ? byPositiveRate(hist, nb, order) : undefined;
    const steps = bins ? bins.length - 1 : nb - 1;
    let l0 = 0;
    let l1 = 0;
    let mask = 0;
    for (let k = 0; k < steps; k++) {
      const b = bins ? bins[k]! : k;
      l0 += hist[b * 2]!;
      l1 += hist[b * 2 + 1]!;
      mask = (mask | (1 << b)) >>> 0;
      const gain = consider(l0, l1);
      if (gain > best.gain) best = { gain, feature: f, split: bins ? mask : b, l0, l1 };
    }
  }
  return best;
}

/** The categories present in a categorical histogram, by positive rate, then index. */
function byPositiveRate(hist: Int32Array, nb: number, order: Int32Array): number[] {
  let m = 0;
  for (let b = 0; b < nb; b++) if (hist[b * 2]! + hist[b * 2 + 1]! > 0) order[m++] = b;
  const rate = (b: number): number => hist[b * 2 + 1]! / (hist[b * 2]! + hist[b * 2 + 1]!);
  return Array.from(order.subarray(0, m)).sort((a, b) => rate(a) - rate(b) || a - b);
}
