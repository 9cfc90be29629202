/** Reasons from the forest's paths: contributions that add up, and the largest of them first. */
import { describe, expect, it } from 'vitest';
import { scoreColumns, trainForestSync } from '#core/forest/index.ts';
import { baseRate, contributionColumns, topReasons } from '#core/forest/contributions.ts';
import { quantize } from '#core/forest/quantized.ts';
import { FEATURES, featureIndex } from '#core/schema.ts';
import { churnProbability, generateSet } from './synthetic.ts';
import { oracleContributions } from './oracle.ts';
import { defined } from '#test/support/defined.ts';

const set = generateSet(3000, 9, (row, random) => (random() < churnProbability(row) ? 1 : 0));
const model = trainForestSync(set, { numTrees: 10, maxDepth: 8 });
const wide = trainForestSync(set, { numTrees: 3, maxDepth: 12, maxBins: 64, featureSubsetStrategy: 'all' });
const d = FEATURES.length;

describe('contributions', () => {
  for (const [name, m, quantized] of [
    ['quantized', model, true],
    ['float-threshold walk', wide, false],
  ] as const) {
    it(`add up to the probability minus the base rate (${name})`, () => {
      expect(quantize(m) !== undefined).toBe(quantized);
      const { probabilities, contributions, baseRate: base } = contributionColumns(m, set.columns, 600);
      expect(base).toBe(baseRate(m));
      expect(base).toBeGreaterThan(0.2);
      expect([...probabilities]).toEqual([...scoreColumns(m, set.columns, 600)]);
      for (let r = 0; r < 600; r++) {
        const row = contributions.subarray(r * d, (r + 1) * d);
        const sum = row.reduce((s, c) => s + c, 0);
        expect(Math.abs(base + sum - defined(probabilities[r], `p of row ${r}`))).toBeLessThan(1e-9);
      }
    });

    it(`are each split's change of the class-1 share, credited to its feature (${name})`, () => {
      const { contributions } = contributionColumns(m, set.columns, 300);
      for (let r = 0; r < 300; r += 13) {
        const expected = oracleContributions(m, set.columns, r);
        expected.forEach((c, f) =>
          expect(Math.abs(defined(contributions[r * d + f], 'a contribution') - c)).toBeLessThan(1e-12),
        );
      }
    });
  }

  it('credit nothing to a feature the forest never splits on', () => {
    const used = new Set(model.trees.flatMap((t) => t.feature));
    const unused = FEATURES.map((_, f) => f).filter((f) => !used.has(f));
    const { contributions } = contributionColumns(model, set.columns, 200);
    for (const f of unused) for (let r = 0; r < 200; r++) expect(contributions[r * d + f]).toBe(0);
    // pc drives the labels: it moves most rows.
    const pc = featureIndex('pc');
    let moved = 0;
    for (let r = 0; r < 200; r++) if (contributions[r * d + pc] !== 0) moved++;
    expect(moved).toBeGreaterThan(150);
  });
});

describe('topReasons', () => {
  const features = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name }));

  it('gives the largest by size first, rounded, zeros left out, ties in schema order', () => {
    const row = Float64Array.of(0.01, -0.0812345, 0, 0.0812345, 0.00001);
    const values = ['x', 7, 'y', 3.5, 1];
    const reasons = topReasons(features, row, 0, (f) => defined(values[f], `value ${f}`), 3);
    expect(reasons).toEqual([
      { feature: 'b', value: 7, contribution: -0.0812 },
      { feature: 'd', value: 3.5, contribution: 0.0812 },
      { feature: 'a', value: 'x', contribution: 0.01 },
    ]);
    const fewer = topReasons(features, Float64Array.of(0, 0, 0, 0, 0.00001), 0, () => 1, 3);
    expect(fewer).toEqual([{ feature: 'e', value: 1, contribution: 0 }]);
    expect(Object.is(fewer[0]?.contribution, -0)).toBe(false);
  });

  it('reads row r of a row-major table', () => {
    const table = Float64Array.of(...[1, 0, 0, 0, 0], ...[0, 0, -0.5, 0.2, 0]);
    expect(topReasons(features, table, 1, () => 0, 1)).toEqual([{ feature: 'c', value: 0, contribution: -0.5 }]);
  });

  it('orders a real prediction’s contributions by size', () => {
    const { contributions } = contributionColumns(model, set.columns, 50);
    for (let r = 0; r < 50; r++) {
      const reasons = topReasons(model.schema.features, contributions, r, (f) => f, 3);
      const sizes = Array.from(contributions.subarray(r * d, (r + 1) * d), Math.abs).sort((a, b) => b - a);
      expect(reasons.map((x) => Math.abs(x.contribution))).toEqual(
        sizes.slice(0, 3).map((s) => Math.round(s * 1e4) / 1e4),
      );
    }
  });
});
