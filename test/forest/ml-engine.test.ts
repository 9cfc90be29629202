import { RandomForestClassifier } from 'ml-random-forest';
import { describe, expect, it } from 'vitest';
import { ML_RANDOM_FOREST_MAX_ROWS, loadModel, scoreColumns, serializeModel, trainForest } from '#core/forest/index.ts';
import { convertTree, nextDown } from '#core/forest/ml-engine.ts';
import { productSchema } from '#core/forest/model.ts';
import { churnProbability, generateSet } from './synthetic.ts';
import { defined } from '#test/support/defined.ts';

const set = generateSet(300, 51, (row, random) => (random() < churnProbability(row) ? 1 : 0));
const rows = Array.from({ length: set.rows }, (_, r) => Array.from(set.columns, (c) => defined(c[r], `row ${r}`)));

describe('ml-random-forest engine', () => {
  it('converts the library’s trees faithfully: every tree gives the library’s leaf share for every row', () => {
    const forest = new RandomForestClassifier({
      nEstimators: 4,
      maxFeatures: 0.5,
      replacement: false,
      seed: 3,
      useSampleBagging: true,
      noOOB: true,
      treeOptions: { maxDepth: 5 },
    } as never);
    forest.train(rows, Array.from(set.labels));
    const internals = forest as unknown as {
      estimators: { root: { classify(row: number[]): { to1DArray(): number[] } } }[];
      indexes: number[][];
    };
    const schema = productSchema();
    internals.estimators.forEach((estimator, t) => {
      const features = defined(internals.indexes[t], `the feature indexes of tree ${t}`);
      const tree = convertTree(estimator.root as never, features, schema, rows);
      const single = loadModel({
        formatVersion: 1,
        engine: 'ml-random-forest',
        schema: { features: schema },
        params: {},
        training: {},
        trees: [tree],
      });
      const ours = scoreColumns(single, set.columns);
      rows.forEach((row, r) => {
        const picked = features.map((f) => defined(row[f], `feature ${f} of row ${r}`));
        const libraryShare = estimator.root.classify(picked).to1DArray()[1] ?? 0;
        expect(ours[r]).toBeCloseTo(libraryShare, 12);
      });
    });
  });

  it('trains through trainForest into a model.json that loads like the histogram engine’s', async () => {
    const model = await trainForest(set, { engine: 'ml-random-forest', numTrees: 3, maxDepth: 4 });
    const loaded = loadModel(serializeModel(model));
    expect(loaded.engine).toBe('ml-random-forest');
    const scores = scoreColumns(loaded, set.columns);
    expect(scores.every((p) => p >= 0 && p <= 1)).toBe(true);
  });

  it('refuses more rows than it trains in reasonable time, naming the histogram engine', async () => {
    const big = generateSet(ML_RANDOM_FOREST_MAX_ROWS + 1, 52, () => 0);
    await expect(trainForest(big, { engine: 'ml-random-forest' })).rejects.toThrow(
      /at most 5000 rows \(got 5001\).*Use engine "histogram", the default/,
    );
  });

  it('turns the library’s strict "<" into "≤" on the next double below', () => {
    expect(nextDown(2.5)).toBeLessThan(2.5);
    expect(2.5 <= nextDown(2.5)).toBe(false);
    expect(2.4999999 <= nextDown(2.5)).toBe(true);
  });
});
