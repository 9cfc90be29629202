/**
 * The WebAssembly walker (walk-wasm.ts) against the plain reading of model.json (oracle.ts),
 * on many forests: every probability bit for bit, every contribution to 1e-12. The forests
 * vary in size, depth and bins, and are trained on values that are not all small whole
 * numbers, so thresholds are fractions and large numbers too; the rows scored sit on and
 * beside the thresholds, and hold NaN, infinities and categories the model does not know.
 */
import { describe, expect, it } from 'vitest';
import { scoreColumns, trainForestSync } from '#core/forest/index.ts';
import type { ForestModel } from '#core/forest/model.ts';
import { contributionColumns } from '#core/forest/contributions.ts';
import { mulberry32 } from '#core/forest/rng.ts';
import { quantize } from '#core/forest/quantized.ts';
import { FEATURES, featureCategories } from '#core/schema.ts';
import type { LabelledSet } from '#core/training/labels.ts';
import { churnProbability, generateSet } from './synthetic.ts';
import { oracleContributions, oracleScore } from './oracle.ts';
import { defined } from '#test/support/defined.ts';

const FORESTS = 24;
const d = FEATURES.length;

/** The synthetic set with each continuous feature rescaled its own way: fractions, hundreds, negatives. */
function trainingSet(seed: number): LabelledSet {
  const set = generateSet(1500, seed, (row, random) => (random() < churnProbability(row) ? 1 : 0));
  const random = mulberry32(seed * 7919);
  FEATURES.forEach((spec, f) => {
    if (spec.kind === 'categorical') return;
    const column = defined(set.columns[f], `column ${f}`);
    const scale = [1, 0.37, 120, -3.5][Math.floor(random() * 4)]!;
    for (let r = 0; r < set.rows; r++) column[r] = defined(column[r], 'a value') * scale + (scale === 1 ? 0 : random());
  });
  return set;
}

/** Values a row may take for continuous feature f: its thresholds, the float32s either side, and the odd ones. */
function continuousValues(model: ForestModel, f: number): number[] {
  const thresholds = model.trees.flatMap((t) => t.split.filter((_, i) => t.feature[i] === f));
  const near = thresholds.flatMap((t) => {
    const x = Math.fround(t);
    const bits = new Int32Array(new Float32Array([x]).buffer)[0]!;
    const neighbour = (step: number) => new Float32Array(new Int32Array([bits + step]).buffer)[0]!;
    return [x, neighbour(1), neighbour(-1)];
  });
  return [...near, NaN, Infinity, -Infinity, -1, 0, 255, 256, 1e9, 0.5];
}

const categoricalValues = (count: number) => [0, count - 1, count, -1, 31, 32, 2.5, NaN, 1e9];

/** `rows` rows drawn from those values (column-major, as scoreColumns takes them). */
function hostileRows(model: ForestModel, rows: number, seed: number): Float32Array[] {
  const random = mulberry32(seed);
  return FEATURES.map((spec, f) => {
    const values =
      spec.kind === 'categorical' ? categoricalValues(featureCategories(spec).length) : continuousValues(model, f);
    return Float32Array.from({ length: rows }, () => defined(values[Math.floor(random() * values.length)], 'a value'));
  });
}

/** Forest i's parameters: from a single leaf to deep trees, few bins to the most the walker takes. */
function paramsOf(i: number) {
  const random = mulberry32(1000 + i);
  const pick = <T>(options: readonly T[]) => defined(options[Math.floor(random() * options.length)], 'an option');
  return {
    numTrees: 1 + Math.floor(random() * 12),
    maxDepth: i === 0 ? 0 : pick([1, 2, 5, 8, 11, 14]),
    maxBins: pick([2, 4, 16, 32]),
    featureSubsetStrategy: pick(['all', 'sqrt', 'onethird'] as const),
    seed: i,
  };
}

describe('the WebAssembly walker against model.json read row by row', () => {
  for (let i = 0; i < FORESTS; i++) {
    const params = paramsOf(i);
    it(`forest ${i}: ${params.numTrees} trees, depth ${params.maxDepth}, ${params.maxBins} bins, ${params.featureSubsetStrategy}`, () => {
      const model = trainForestSync(trainingSet(i + 1), params);
      expect(quantize(model)).toBeDefined();
      // Rows past one block of 256, and not a multiple of the 8 rows walked together.
      const rows = 301 + i;
      const columns = hostileRows(model, rows, i);
      const scores = scoreColumns(model, columns, rows);
      const explained = contributionColumns(model, columns, rows);
      for (let r = 0; r < rows; r++) {
        const expected = oracleScore(model, columns, r);
        expect(scores[r]).toBe(expected);
        expect(explained.probabilities[r]).toBe(expected);
        oracleContributions(model, columns, r).forEach((c, f) =>
          expect(Math.abs(defined(explained.contributions[r * d + f], 'a contribution') - c)).toBeLessThan(1e-12),
        );
      }
      if (params.maxDepth > 0) expect(new Set(scores).size).toBeGreaterThan(1); // the rows do not all end in one leaf
    });
  }
});
