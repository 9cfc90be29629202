import { describe, expect, it } from 'vitest';
import { MAX_ROC_POINTS, binaryMetrics, featureImportance, trainForestSync } from '#core/forest/index.ts';
import { feature, generateSet } from './synthetic.ts';

describe('metrics', () => {
  // Worked by hand: positives score 0.9, 0.7, 0.3; negatives 0.8, 0.3, 0.1.
  const labels = Uint8Array.of(1, 0, 1, 1, 0, 0);
  const probabilities = Float64Array.of(0.9, 0.8, 0.7, 0.3, 0.3, 0.1);
  const m = binaryMetrics(labels, probabilities);

  it('counts a tied positive/negative pair as half in the AUC', () => {
    // Pairs won: 0.9 beats 3, 0.7 beats 2, 0.3 beats 1 and ties 1 → 6.5 of 9.
    expect(m.auc).toBeCloseTo(6.5 / 9, 12);
  });

  it('computes the threshold metrics at 0.5', () => {
    expect(m.confusion).toEqual({ tp: 2, fp: 1, tn: 2, fn: 1 });
    expect(m.errorRate).toBeCloseTo(2 / 6, 12);
    expect(m.baselineErrorRate).toBe(0.5);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    const expectedLogLoss =
      -(Math.log(0.9) + Math.log(0.2) + Math.log(0.7) + Math.log(0.3) + Math.log(0.7) + Math.log(0.9)) / 6;
    expect(m.logLoss).toBeCloseTo(expectedLogLoss, 12);
  });

  it('states the calibration: per tenth of predicted probability, count, mean predicted and actual share', () => {
    // 0.9 → [0.9, 1]; 0.8 → [0.8, 0.9); 0.7 → [0.7, 0.8); 0.3, 0.3 → [0.3, 0.4); 0.1 → [0.1, 0.2).
    const bins = m.calibration.bins.map((b) => [b.from, b.count, b.meanPredicted, b.actualShare]);
    expect(bins).toEqual([
      [0.1, 1, 0.1, 0],
      [0.3, 2, 0.3, 0.5],
      [0.7, 1, 0.7, 1],
      [0.8, 1, 0.8, 0],
      [0.9, 1, 0.9, 1],
    ]);
    expect(m.calibration.meanPredicted).toBeCloseTo(3.1 / 6, 12);
    expect(m.calibration.actualShare).toBe(0.5);
    expect(binaryMetrics(Uint8Array.of(1), Float64Array.of(1)).calibration.bins).toEqual([
      { from: 0.9, to: 1, count: 1, meanPredicted: 1, actualShare: 1 },
    ]);
  });

  it('draws the ROC curve with tied scores as one diagonal step', () => {
    expect(m.roc).toEqual([
      [0, 0],
      [0, 1 / 3],
      [1 / 3, 1 / 3],
      [1 / 3, 2 / 3],
      [2 / 3, 1],
      [1, 1],
    ]);
  });

  it('keeps at most 200 ROC points, first and last included', () => {
    const n = 5000;
    const big = binaryMetrics(
      Uint8Array.from({ length: n }, (_, i) => i % 2),
      Float64Array.from({ length: n }, (_, i) => i / n),
    );
    expect(big.roc.length).toBe(MAX_ROC_POINTS);
    expect(big.roc[0]).toEqual([0, 0]);
    expect(big.roc.at(-1)).toEqual([1, 1]);
  });

  it('uses the majority class for the baseline and clips log loss at certainty', () => {
    const sure = binaryMetrics(Uint8Array.of(1, 1, 1, 0), Float64Array.of(1, 1, 1, 1));
    expect(sure.baselineErrorRate).toBe(0.25);
    expect(sure.logLoss).toBeCloseTo(-Math.log(1 - (1 - 1e-15)) / 4, 9);
  });
});

describe('feature importance', () => {
  it('sums to 1 and puts the only informative feature first', () => {
    const model = trainForestSync(
      generateSet(2000, 41, (row) => (feature(row, 'pc') > 4 ? 1 : 0)),
      { numTrees: 10, maxDepth: 4 },
    );
    const importance = featureImportance(model);
    expect(importance.reduce((s, f) => s + f.importance, 0)).toBeCloseTo(1, 12);
    expect([...importance].sort((a, b) => b.importance - a.importance)[0]?.feature).toBe('pc');
  });
});
