/**
 * The quantized scorer (bins and masks) against the walk on float thresholds it replaced,
 * and against a plain row-by-row reading of model.json: the same probabilities, bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { scoreColumns, trainForestSync } from '#core/forest/index.ts';
import { quantize } from '#core/forest/quantized.ts';
import { scoreByThresholds } from '#core/forest/score.ts';
import { featureIndex } from '#core/schema.ts';
import { churnProbability, generateSet } from './synthetic.ts';
import { oracleScore } from './oracle.ts';
import { defined } from '#test/support/defined.ts';

const set = generateSet(4000, 5, (row, random) => (random() < churnProbability(row) ? 1 : 0));
const model = trainForestSync(set, { numTrees: 12, maxDepth: 9, featureSubsetStrategy: 'onethird' });
const industry = featureIndex('industry');
const region = featureIndex('region');
const pc = featureIndex('pc');

/** The set's columns with some rows changed to values the model never saw. */
function withUnseenValues(): Float32Array[] {
  const columns = set.columns.map((c) => c.slice());
  const column = (f: number) => defined(columns[f], `column ${f}`);
  for (let r = 0; r < 400; r += 7) {
    column(industry)[r] = 6 + (r % 26); // categories 6..31: no split has them
    column(region)[r] = r % 2 === 0 ? 8 : 40; // 40: beyond any mask
    column(pc)[r] = r % 3 === 0 ? 1e6 : -5; // above and below every threshold
  }
  // Between whole numbers, and on the thresholds themselves (half way between values: x ≤ t goes left).
  for (let r = 401; r < 800; r += 3) column(pc)[r] = ((r % 20) + 1) / 2;
  for (let r = 402; r < 800; r += 5) column(featureIndex('age'))[r] = 20.5 + (r % 50);
  column(industry)[1] = -1;
  column(pc)[3] = NaN;
  return columns;
}

describe('quantized scoring', () => {
  it('takes the default model, with categorical splits', () => {
    expect(quantize(model)).toBeDefined();
    const categoricalSplits = model.trees.flatMap((t) => t.feature.filter((f) => f === industry || f === region));
    expect(categoricalSplits.length).toBeGreaterThan(5);
  });

  it('gives bit-identical probabilities to the walk on float thresholds', () => {
    const fast = scoreColumns(model, set.columns);
    const reference = scoreByThresholds(model, set.columns, set.rows);
    expect([...fast]).toEqual([...reference]);
    expect(new Set(fast).size).toBeGreaterThan(1000); // many different answers, not one
  });

  it('agrees with the trees read row by row, unseen categories going right', () => {
    const columns = withUnseenValues();
    defined(columns[industry], 'industry')[2] = 2.5; // not a category index at all: right as well
    const fast = scoreColumns(model, columns, 800);
    for (let r = 0; r < 800; r++) expect(fast[r]).toBe(oracleScore(model, columns, r));
    // Where the two old and new walks agree on what an unseen value is (an index below 32), bit for bit too.
    const reference = scoreByThresholds(model, columns, 800);
    for (let r = 0; r < 800; r++)
      if (
        columns[region]?.[r] !== 40 &&
        Number.isInteger(columns[industry]?.[r]) &&
        Number(columns[industry]?.[r]) >= 0
      )
        expect(fast[r]).toBe(reference[r]);
  });

  it('scores any number of rows, across block boundaries', () => {
    const all = scoreColumns(model, set.columns);
    for (const rows of [1, 255, 256, 257, 1000])
      expect([...scoreColumns(model, set.columns, rows)]).toEqual([...all.subarray(0, rows)]);
  });

  it('leaves a model with more than 31 thresholds on a feature to the float walk, with the same answers', () => {
    const wide = trainForestSync(set, { numTrees: 4, maxDepth: 12, maxBins: 64, featureSubsetStrategy: 'all' });
    expect(quantize(wide)).toBeUndefined();
    const columns = withUnseenValues();
    const scores = scoreColumns(wide, columns);
    for (let r = 0; r < 100; r++) expect(scores[r]).toBe(oracleScore(wide, columns, r));
  });
});
