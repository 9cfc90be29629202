import { describe, expect, it } from 'vitest';
import {
  InvalidForestParams,
  evaluateModel,
  exportTrees,
  resolveOptions,
  serializeModel,
  trainForest,
  trainForestSync,
} from '#core/forest/index.ts';
import { churnProbability, feature, generateSet } from './synthetic.ts';

const noisy = (seed: number, rows = 3000) =>
  generateSet(rows, seed, (row, random) => (random() < churnProbability(row) ? 1 : 0));
const small = { numTrees: 6, maxDepth: 6 };

describe('histogram forest training', () => {
  it('gives a byte-identical model for the same data and seed, and a different one for another seed', () => {
    const set = noisy(1);
    const a = serializeModel(trainForestSync(set, { ...small, seed: 3 }));
    const b = serializeModel(trainForestSync(set, { ...small, seed: 3 }));
    const c = serializeModel(trainForestSync(set, { ...small, seed: 4 }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('trains the same model on worker threads as on the main thread', async () => {
    const set = noisy(2);
    const serial = serializeModel(await trainForest(set, { ...small, seed: 11 }));
    const parallel = serializeModel(await trainForest(set, { ...small, seed: 11 }, { workers: 3 }));
    expect(parallel).toBe(serial);
  });

  it('separates with one category-subset split what no single numeric threshold on the index can', () => {
    // Regions 1, 4 and 6 retain: not a contiguous range of indices, so a numeric split on the index needs several cuts.
    const rule = (row: Float32Array) => ([1, 4, 6].includes(feature(row, 'region')) ? 1 : 0);
    const model = trainForestSync(generateSet(2000, 3, rule), {
      numTrees: 1,
      maxDepth: 1,
      featureSubsetStrategy: 'all',
      bootstrap: false,
    });
    const root = exportTrees(model)[0];
    expect(root?.feature).toBe('region');
    expect(root?.children?.every((child) => child.impurity === 0)).toBe(true);
    expect(evaluateModel(model, generateSet(1000, 4, rule)).errorRate).toBe(0);
  });

  it('classifies separable data perfectly on the test set', () => {
    const rule = (row: Float32Array) => (feature(row, 'pc') >= 5 && feature(row, 'age') < 40 ? 1 : 0);
    const model = trainForestSync(generateSet(3000, 5, rule), { numTrees: 10, maxDepth: 6 });
    const metrics = evaluateModel(model, generateSet(1500, 6, rule));
    expect(metrics.errorRate).toBe(0);
    expect(metrics.auc).toBe(1);
  });

  it('finds nothing in pure noise: test AUC near 0.5', () => {
    const coin = (_row: Float32Array, random: () => number) => (random() < 0.5 ? 1 : 0);
    const model = trainForestSync(generateSet(3000, 7, coin), { numTrees: 10, maxDepth: 6 });
    const { auc } = evaluateModel(model, generateSet(4000, 8, coin));
    expect(Math.abs(auc - 0.5)).toBeLessThan(0.04);
  });

  it('learns the generated churn rule well above the majority-class baseline', () => {
    const model = trainForestSync(noisy(9, 6000), { numTrees: 20, maxDepth: 8 });
    const metrics = evaluateModel(model, noisy(10, 3000));
    expect(metrics.auc).toBeGreaterThan(0.7);
  });

  it('respects maxDepth and minInstancesPerNode', () => {
    const model = trainForestSync(noisy(11), { numTrees: 3, maxDepth: 3, minInstancesPerNode: 50 });
    const depth = (node: ReturnType<typeof exportTrees>[number]): number =>
      node.children ? 1 + Math.max(...node.children.map(depth)) : 0;
    const leaves = (node: ReturnType<typeof exportTrees>[number]): number[] =>
      node.children ? node.children.flatMap(leaves) : [node.samples];
    for (const tree of exportTrees(model)) {
      expect(depth(tree)).toBeLessThanOrEqual(3);
      expect(Math.min(...leaves(tree))).toBeGreaterThanOrEqual(50);
    }
  });

  it('rejects bad options with a message naming the option', () => {
    expect(() => resolveOptions({ maxDepth: -1 })).toThrow(/maxDepth/);
    expect(() => resolveOptions({ impurity: 'variance' })).toThrow(/impurity must be gini or entropy/);
    expect(() => resolveOptions({ featureSubsetStrategy: 'half' })).toThrow(InvalidForestParams);
    expect(() => resolveOptions({ numTres: 3 })).toThrow(/unknown training option "numTres"/);
    expect(resolveOptions({ featureSubsetStrategy: '0.5', numTrees: '5', bootstrap: 'false' })).toMatchObject({
      featureSubsetStrategy: 0.5,
      numTrees: 5,
      bootstrap: false,
    });
  });

  it('trains with entropy and without bootstrap', () => {
    const model = trainForestSync(noisy(12), {
      numTrees: 4,
      maxDepth: 5,
      impurity: 'entropy',
      bootstrap: false,
      subsamplingRate: 0.7,
    });
    expect(evaluateModel(model, noisy(13, 2000)).auc).toBeGreaterThan(0.65);
  });
});

describe('degenerate training sets', () => {
  it('refuses an empty set and makes a single leaf of a one-class set', () => {
    expect(() => trainForestSync(generateSet(0, 1, () => 0))).toThrow(/no training rows/);
    const model = trainForestSync(
      generateSet(50, 1, () => 1),
      { numTrees: 2 },
    );
    expect(model.trees.every((t) => t.feature.length === 1)).toBe(true);
    expect(
      evaluateModel(
        model,
        generateSet(10, 2, () => 1),
      ).errorRate,
    ).toBe(0);
  });
});
