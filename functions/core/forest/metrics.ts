/**
 * Test-set metrics of probabilities against 0/1 labels, as the model card shows them.
 * AUC is the Mann-Whitney statistic with tied scores counted half (rows with equal scores
 * move along the ROC curve together, as one diagonal step). Predictions at 0.5: p ≥ 0.5 → 1.
 */
import { calibration, type Calibration } from './calibration.ts';

interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface Metrics {
  auc: number;
  errorRate: number;
  /** Error of always predicting the majority class of these labels. */
  baselineErrorRate: number;
  precision: number;
  recall: number;
  f1: number;
  /** Mean negative log-likelihood, probabilities clipped to [1e-15, 1 - 1e-15]. */
  logLoss: number;
  confusion: Confusion;
  /** [fpr, tpr] points from (0, 0) to (1, 1), at most MAX_ROC_POINTS. */
  roc: [number, number][];
  /** Predicted probability against the share that came back, in bins (calibration.ts). */
  calibration: Calibration;
}

export const MAX_ROC_POINTS = 200;
const EPS = 1e-15;

export function binaryMetrics(labels: ArrayLike<number>, probabilities: ArrayLike<number>): Metrics {
  const n = labels.length;
  if (probabilities.length !== n) throw new Error(`metrics: ${n} labels but ${probabilities.length} probabilities`);
  const confusion: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  let logLoss = 0;
  let positives = 0;
  for (let i = 0; i < n; i++) {
    // i < n, and both have n entries (checked above)
    const y = labels[i]!;
    const p = probabilities[i]!;
    positives += y;
    if (p >= 0.5) {
      if (y === 1) confusion.tp++;
      else confusion.fp++;
    } else if (y === 1) confusion.fn++;
    else confusion.tn++;
    const q = Math.min(1 - EPS, Math.max(EPS, p));
    logLoss -= y === 1 ? Math.log(q) : Math.log(1 - q);
  }
  const negatives = n - positives;
  const { auc, roc } = rocCurve(labels, probabilities, positives, negatives);
  const precision = confusion.tp + confusion.fp > 0 ? confusion.tp / (confusion.tp + confusion.fp) : 0;
  const recall = positives > 0 ? confusion.tp / positives : 0;
  return {
    auc,
    errorRate: n ? (confusion.fp + confusion.fn) / n : 0,
    baselineErrorRate: n ? Math.min(positives, negatives) / n : 0,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    logLoss: n ? logLoss / n : 0,
    confusion,
    roc,
    calibration: calibration(labels, probabilities),
  };
}

function rocCurve(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  positives: number,
  negatives: number,
): { auc: number; roc: [number, number][] } {
  const n = labels.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // The sort and the walk below index rows 0..n-1 of arrays that have n entries.
  order.sort((a, b) => probabilities[b]! - probabilities[a]!);
  const points: [number, number][] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  let area = 0;
  for (let i = 0; i < n;) {
    const score = probabilities[order[i]!];
    let dtp = 0;
    let dfp = 0;
    while (i < n && probabilities[order[i]!] === score) {
      if (labels[order[i]!] === 1) dtp++;
      else dfp++;
      i++;
    }
    area += dfp * (tp + dtp / 2); // a tie block is a trapezoid
    tp += dtp;
    fp += dfp;
    points.push([negatives ? fp / negatives : 0, positives ? tp / positives : 0]);
  }
  const auc = positives && negatives ? area / (positives * negatives) : 0.5;
  return { auc, roc: downsample(points, MAX_ROC_POINTS) };
}

/** Keeps the first and last points and evenly spaced ones between. */
function downsample(points: [number, number][], max: number): [number, number][] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!); // ≤ points.length - 1
}
