import { describe, expect, it } from 'vitest';
import { InvalidModelError, loadModel, scoreColumns, serializeModel, trainForestSync } from '#core/forest/index.ts';
import { churnProbability, generateSet } from './synthetic.ts';
import { defined } from '#test/support/defined.ts';

const set = generateSet(1500, 21, (row, random) => (random() < churnProbability(row) ? 1 : 0));
const model = trainForestSync(set, { numTrees: 4, maxDepth: 5 });
const json = serializeModel(model);
/** model.json as plain JSON: loose enough that a test can break any part of it. */
interface ModelJson {
  formatVersion: number;
  schema: { features: { kind: string; values?: string[] }[] };
  trees: Record<'feature' | 'left' | 'count0', unknown[]>[];
}
const featureOf = (m: ModelJson, i: number) => defined(m.schema.features[i], `schema feature ${i}`);
const treeOf = (m: ModelJson, i: number) => defined(m.trees[i], `tree ${i}`);
const edit = (change: (m: ModelJson) => void): string => {
  const copy = JSON.parse(json) as ModelJson;
  change(copy);
  return JSON.stringify(copy);
};

describe('model.json', () => {
  it('round-trips: loaded, it serializes to the same text and scores the same', () => {
    const loaded = loadModel(json);
    expect(serializeModel(loaded)).toBe(json);
    expect(scoreColumns(loaded, set.columns)).toEqual(scoreColumns(model, set.columns));
  });

  it('holds the feature schema, parameters and training statistics', () => {
    const parsed = JSON.parse(json);
    expect(parsed.formatVersion).toBe(1);
    expect(parsed.schema.features).toHaveLength(17);
    expect(parsed.schema.features[1]).toMatchObject({ name: 'region', kind: 'categorical' });
    expect(parsed.schema.features[1].values).toContain('GB-LONDON');
    expect(parsed.params).toMatchObject({ numTrees: 4, maxDepth: 5, maxBins: 32, impurity: 'gini' });
    expect(parsed.training.rows).toBe(1500);
    expect(parsed.training.retained + parsed.training.notRetained).toBe(1500);
  });

  it('rejects a wrong formatVersion', () => {
    expect(() => loadModel(edit((m) => (m.formatVersion = 2)))).toThrow(
      /formatVersion 2; this code reads formatVersion 1/,
    );
  });

  it('rejects a schema other than this code’s features', () => {
    expect(() => loadModel(edit((m) => m.schema.features.pop()))).toThrow(/schema does not match/);
    expect(() => loadModel(edit((m) => (featureOf(m, 16).kind = 'categorical')))).toThrow(/schema does not match/);
    expect(() => loadModel(edit((m) => delete featureOf(m, 0).values))).toThrow(
      /industry needs 1\.\.32 category names/,
    );
  });

  it('rejects corrupt tree arrays', () => {
    expect(() => loadModel(edit((m) => treeOf(m, 0).left.pop()))).toThrow(/tree 0: "left" has/);
    expect(() => loadModel(edit((m) => (treeOf(m, 1).left[0] = 0)))).toThrow(
      /tree 1 node 0: child 0 must be a later node/,
    );
    expect(() => loadModel(edit((m) => (treeOf(m, 0).feature[0] = 17)))).toThrow(/feature 17 is not a feature index/);
    expect(() => loadModel(edit((m) => (treeOf(m, 0).count0[0] = 'x')))).toThrow(
      /"count0" must be an array of finite numbers/,
    );
    expect(() => loadModel(edit((m) => (m.trees = [])))).toThrow(/trees are missing or empty/);
  });

  it('rejects text that is not JSON, with InvalidModelError', () => {
    expect(() => loadModel('{"formatVersion": 1,')).toThrow(InvalidModelError);
    expect(() => loadModel('{"formatVersion": 1,')).toThrow(/not JSON/);
  });
});
