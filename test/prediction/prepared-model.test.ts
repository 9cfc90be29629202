/**
 * The predict Lambda's model (prepareModel): records handed in one Float32Array each are
 * scored by the same walker as the CLI (scoreColumns, contributionColumns) and Evaluate (the
 * engine binding), with the same numbers, a short record's missing features read as NaN.
 */
import { describe, expect, it } from 'vitest';
import { loadModel, scoreColumns, serializeModel, trainForestSync } from '#core/forest/index.ts';
import { contributionColumns } from '#core/forest/contributions.ts';
import { prepareModel } from '#core/prediction/model.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import { FEATURES } from '#core/schema.ts';
import { churnProbability, generateSet } from '#test/forest/synthetic.ts';
import { oracleScore } from '#test/forest/oracle.ts';
import { defined } from '#test/support/defined.ts';

const set = generateSet(1200, 17, (row, random) => (random() < churnProbability(row) ? 1 : 0));
const json = serializeModel(trainForestSync(set, { numTrees: 6, maxDepth: 8 }));
const model = loadModel(json);
const d = FEATURES.length;
const rows = 300;
/** Row r as the handler hands it in: one Float32Array. */
const record = (r: number) => Float32Array.from(set.columns, (column) => defined(column[r], `row ${r}`));

describe('prepareModel', () => {
  const prepared = prepareModel(json, 'v1');
  const records = Array.from({ length: rows }, (_, r) => record(r));

  it('scores records as scoreColumns scores the same rows as columns, bit for bit', () => {
    expect([...prepared.score(records)]).toEqual([...scoreColumns(model, set.columns, rows)]);
  });

  it('explains records as contributionColumns does, probabilities and contributions bit for bit', () => {
    const explained = prepared.explain(records);
    const expected = contributionColumns(model, set.columns, rows);
    expect([...explained.probabilities]).toEqual([...expected.probabilities]);
    expect([...explained.contributions]).toEqual([...expected.contributions]);
    expect(explained.contributions.length).toBe(rows * d);
  });

  it('scores a short record as the trees score NaN for the feature it lacks', () => {
    const short = record(5).subarray(0, d - 1); // no age
    const [p] = prepared.score([short]);
    const columns = set.columns.map((_, f) => Float32Array.of(f < d - 1 ? defined(short[f], 'a value') : NaN));
    expect(p).toBe(oracleScore(model, columns, 0));
  });

  it('gives Evaluate, through the training flow engine binding, the same probabilities', () => {
    expect([...forestEngine.score(json, { ...set, rows })]).toEqual([...scoreColumns(model, set.columns, rows)]);
  });
});
