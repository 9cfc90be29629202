/**
 * Calibration on the test set: do the forest's probabilities mean what they say? Users are
 * put in bins of predicted probability (tenths); for each bin, how many, their mean
 * predicted probability and the share that actually came back. A calibrated model's two
 * figures agree, and then the sum of the probabilities is the number of users to expect back.
 */

interface CalibrationBin {
  /** The bin holds probabilities from `from` (inclusive) to `to` (exclusive; the last bin includes 1). */
  readonly from: number;
  readonly to: number;
  readonly count: number;
  readonly meanPredicted: number;
  readonly actualShare: number;
}

export interface Calibration {
  /** Mean predicted probability over all test users, against the share that came back. */
  readonly meanPredicted: number;
  readonly actualShare: number;
  /** Bins with at least one user, ascending. */
  readonly bins: readonly CalibrationBin[];
}

const BINS = 10;

export function calibration(labels: ArrayLike<number>, probabilities: ArrayLike<number>): Calibration {
  const count = new Float64Array(BINS);
  const predicted = new Float64Array(BINS);
  const positive = new Float64Array(BINS);
  let sumPredicted = 0;
  let sumPositive = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i] ?? 0;
    const y = labels[i] ?? 0;
    const bin = Math.min(BINS - 1, Math.max(0, Math.floor(p * BINS)));
    count[bin]! += 1;
    predicted[bin]! += p;
    positive[bin]! += y;
    sumPredicted += p;
    sumPositive += y;
  }
  const n = labels.length;
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < BINS; b++) {
    const c = count[b] ?? 0;
    if (c === 0) continue;
    bins.push({
      from: b / BINS,
      to: (b + 1) / BINS,
      count: c,
      meanPredicted: (predicted[b] ?? 0) / c,
      actualShare: (positive[b] ?? 0) / c,
    });
  }
  return { meanPredicted: n ? sumPredicted / n : 0, actualShare: n ? sumPositive / n : 0, bins };
}
