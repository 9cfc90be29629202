import { describe, expect, it } from 'vitest';
import {
  UnknownCategoryError,
  exportTrees,
  scoreColumns,
  scoreNamed,
  trainForestSync,
  validateNamedFeatures,
  type TreeNode,
} from '#core/forest/index.ts';
import { DEFAULT_CATEGORIES, FEATURES, featureCategories } from '#core/schema.ts';
import { churnProbability, generateSet } from './synthetic.ts';
import { defined } from '#test/support/defined.ts';

const set = generateSet(2000, 31, (row, random) => (random() < churnProbability(row) ? 1 : 0));
const model = trainForestSync(set, { numTrees: 8, maxDepth: 7, featureSubsetStrategy: 'onethird' });

/** A row as the named record the prediction flow receives. */
function named(r: number): Record<string, string | number> {
  return Object.fromEntries(
    FEATURES.map((spec, f) => {
      const value = defined(set.columns[f]?.[r], `${spec.name} of row ${r}`);
      return [
        spec.name,
        spec.kind === 'categorical' && spec.name !== 'gender'
          ? defined(featureCategories(spec)[value], `${spec.name} category ${value}`)
          : value,
      ];
    }),
  );
}

/** Follows a trees.json node by reading its condition text only. */
function walk(node: TreeNode, record: Record<string, string | number>): number {
  while (node.children) {
    const { name, op, operand } = /^(?<name>\w+) (?<op>≤|∈) (?<operand>.*)$/.exec(node.condition ?? '')?.groups ?? {};
    if (name === undefined || operand === undefined) throw new Error(`unreadable condition "${node.condition}"`);
    const value = record[name];
    const holds =
      op === '≤' ? Number(value) <= Number(operand) : operand.slice(1, -1).split(', ').includes(String(value));
    node = holds ? node.children[0] : node.children[1];
  }
  return node.probability;
}

describe('scoring', () => {
  it('agrees with the exported trees read as text', () => {
    const trees = exportTrees(model);
    const scores = scoreColumns(model, set.columns);
    for (let r = 0; r < 200; r++) {
      const fromTrees = trees.reduce((sum, tree) => sum + walk(tree, named(r)), 0) / trees.length;
      expect(scores[r]).toBeCloseTo(fromTrees, 3); // exported probabilities are rounded to 4 decimals
    }
  });

  it('scores a named record exactly as the batch scorer scores its row', () => {
    const scores = scoreColumns(model, set.columns);
    for (let r = 0; r < 50; r++) expect(scoreNamed(model, named(r))).toBe(scores[r]);
  });

  it('exports the root and every leaf with counts that add up', () => {
    const check = (node: TreeNode): void => {
      expect(node.classCounts[0] + node.classCounts[1]).toBe(node.samples);
      if (!node.children) return;
      expect(node.children[0].samples + node.children[1].samples).toBe(node.samples);
      node.children.forEach(check);
    };
    const trees = exportTrees(model);
    trees.forEach(check);
    expect(trees[0]?.samples).toBe(2000); // bootstrap draws as many rows as the set has
  });

  it('explains why a named record cannot be scored', () => {
    const good = named(0);
    expect(validateNamedFeatures(model, good)).toBeUndefined();
    expect(validateNamedFeatures(model, { ...good, region: 'MARS' })).toBe(
      `unknown region "MARS"; the model knows ${DEFAULT_CATEGORIES.region.join(', ')}`,
    );
    const { age: _age, ...noAge } = good;
    expect(validateNamedFeatures(model, noAge)).toBe('missing feature "age"');
    expect(validateNamedFeatures(model, { ...good, pc: 'five' })).toBe(
      'feature "pc" must be a finite number, got "five"',
    );
    expect(validateNamedFeatures(model, { ...good, gender: 2 })).toMatch(/unknown gender "2"/);
    expect(validateNamedFeatures(model, null)).toMatch(/must be an object/);
  });

  it('throws UnknownCategoryError for an unknown category and an Error for a missing feature', () => {
    expect(() => scoreNamed(model, { ...named(0), industry: 'MINING' })).toThrow(UnknownCategoryError);
    const { pc: _pc, ...noPc } = named(0);
    expect(() => scoreNamed(model, noPc)).toThrow('missing feature "pc"');
  });
});
