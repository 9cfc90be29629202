/**
 * The engine's layout (records, lanes, in-place partition, binning by lookup) is about
 * speed only: for a set and a seed it grows the trees the engine grew before that layout.
 * The digests below are of models trained by the engine as of commit 6c0e054 (rows
 * copied and spilled in order, a loop over the chosen features per row, every column
 * sorted for its quantiles). A change that is meant to change the trees updates them and
 * says why in its commit.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FEATURES } from '#core/schema.ts';
import { serializeModel, trainForestSync } from '#core/forest/index.ts';
import { churnProbability, generateSet } from './synthetic.ts';

/** Whole-number features as generated; or the continuous ones scaled off the integers (binned by sorting, not counting). */
function dataset(fractional: boolean) {
  const set = generateSet(4000, 21, (row, random) => (random() < churnProbability(row) ? 1 : 0));
  if (!fractional) return set;
  const columns = set.columns.map((column, f) =>
    FEATURES[f]?.kind === 'continuous' ? column.map((v, r) => v * 1.37 + 0.1 + (r % 7) / 16) : column,
  );
  return { ...set, columns };
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

const CASES = [
  { name: 'sqrt features, gini, bootstrap', fractional: false, params: { numTrees: 4, maxDepth: 8, seed: 5 } },
  {
    name: 'all features, entropy, a subsample without bootstrap, 16 bins, fractional values',
    fractional: true,
    params: {
      numTrees: 3,
      maxDepth: 7,
      featureSubsetStrategy: 'all',
      impurity: 'entropy',
      bootstrap: false,
      subsamplingRate: 0.7,
      maxBins: 16,
      seed: 9,
    },
  },
  {
    name: 'a third of the features, half-size bootstrap, at least 5 rows a node',
    fractional: true,
    params: {
      numTrees: 3,
      maxDepth: 10,
      featureSubsetStrategy: 'onethird',
      subsamplingRate: 0.5,
      minInstancesPerNode: 5,
      seed: 13,
    },
  },
] as const;

const BEFORE: Record<string, string> = {
  'sqrt features, gini, bootstrap': '83a1d3e954ed8bf72b39f9f73d8bd0347a5c3c81c17177dc21bb43bdb20a7025',
  'all features, entropy, a subsample without bootstrap, 16 bins, fractional values':
    '2bdfb4afe4a5056ef1317ac45ce15826bb5799935048cc3f35efee48db972540',
  'a third of the features, half-size bootstrap, at least 5 rows a node':
    '2518233969df68be36f8f32184f7b7147e0af1a178705e19a6955ae017a59e04',
};

describe('histogram engine layout', () => {
  for (const { name, fractional, params } of CASES) {
    it(`grows the trees it grew before the layout change: ${name}`, () => {
      const model = serializeModel(trainForestSync(dataset(fractional), params));
      expect(digest(model)).toBe(BEFORE[name]);
    });
  }
});
