/** Test-set metrics of a probability vector against 0/1 labels (model card `metrics`). */
import type { Metrics } from './engine.ts';

/** ROC points kept in the card: enough to draw the curve, few enough to read. */
const ROC_POINTS = 101;

export function binaryMetrics(labels: Uint8Array, probabilities: Float64Array): Metrics {
  const n = labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i];
  const negatives = n - positives;
  let tp = 0, fp = 0, tn = 0, fn = 0, logLoss = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, probabilities[i]));
    const predicted = probabilities[i] >= 0.5 ? 1 : 0;
    if (labels[i] === 1) predicted ? tp++ : fn++;
    else predicted ? fp++ : tn++;
    logLoss -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  // AUC and ROC from the rows sorted by descending probability; tied scores move together.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probabilities[b] - probabilities[a]);
  const curve: [number, number][] = [[0, 0]];
  let auc = 0, cumTp = 0, cumFp = 0;
  for (let i = 0; i < n; ) {
    let j = i, dTp = 0, dFp = 0;
    while (j < n && probabilities[order[j]] === probabilities[order[i]]) {
      if (labels[order[j]] === 1) dTp++;
      else dFp++;
      j++;
    }
    auc += dFp * (cumTp + dTp / 2);
    cumTp += dTp;
    cumFp += dFp;
    curve.push([negatives ? cumFp / negatives : 0, positives ? cumTp / positives : 0]);
    i = j;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    auc: positives && negatives ? auc / (positives * negatives) : 0.5,
    errorRate: n ? (fp + fn) / n : 0,
    baselineErrorRate: n ? Math.min(positives, negatives) / n : 0,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    logLoss: n ? logLoss / n : 0,
    confusion: { tp, fp, tn, fn },
    roc: thin(curve),
  };
}

function thin(curve: [number, number][]): [number, number][] {
  if (curve.length <= ROC_POINTS) return curve;
  const step = (curve.length - 1) / (ROC_POINTS - 1);
  return Array.from({ length: ROC_POINTS }, (_, i) => curve[Math.round(i * step)]);
}
