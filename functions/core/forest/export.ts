/**
 * Trees for people: the nested TreeNode documents of docs/formats.md (`trees.json`), root
 * and every leaf included. Conditions read `age ≤ 34.5` (continuous: the true branch is
 * always `≤`, the threshold shown with up to 6 significant digits, which for the integer
 * counts and ages is the exact half-way value) and `region ∈ {US-CA, GB-LONDON}` (the
 * categories going to children[0], in the schema's order). `impurity` uses the model's
 * impurity measure; `probability` and `impurity` are rounded to 4 decimals.
 */
import { schemaFeature, type ForestModel } from './model.ts';
import { impurityOf } from './impurity.ts';
import { nodeOf, type FlatTree } from './tree.ts';

export interface TreeNode {
  id: number;
  samples: number;
  impurity: number;
  classCounts: [number, number];
  probability: number;
  prediction: 0 | 1;
  condition?: string;
  feature?: string;
  children?: [TreeNode, TreeNode];
}

export interface TreesDocument {
  formatVersion: 1;
  modelVersion: string;
  trees: TreeNode[];
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** The words of node i's condition (the one that holds on children[0]). */
function conditionText(model: ForestModel, tree: FlatTree, i: number): string {
  const { feature, split } = nodeOf(tree, i);
  const spec = schemaFeature(model, feature);
  if (spec.kind === 'categorical') {
    const names = (spec.values ?? []).filter((_, c) => ((split >>> c) & 1) === 1);
    return `${spec.name} ∈ {${names.join(', ')}}`;
  }
  return `${spec.name} ≤ ${Number(split.toPrecision(6))}`;
}

function exportTree(model: ForestModel, tree: FlatTree): TreeNode {
  const node = (i: number): TreeNode => {
    const { feature, left, right, count0: c0, count1: c1 } = nodeOf(tree, i);
    const p = c1 / (c0 + c1);
    const out: TreeNode = {
      id: i,
      samples: c0 + c1,
      impurity: round4(impurityOf(model.params.impurity ?? 'gini', c0, c1)),
      classCounts: [c0, c1],
      probability: round4(p),
      prediction: p >= 0.5 ? 1 : 0,
    };
    if (feature >= 0) {
      out.condition = conditionText(model, tree, i);
      out.feature = schemaFeature(model, feature).name;
      out.children = [node(left), node(right)];
    }
    return out;
  };
  return node(0);
}

export function exportTrees(model: ForestModel): TreeNode[] {
  return model.trees.map((tree) => exportTree(model, tree));
}

export function treesDocument(model: ForestModel, modelVersion: string): TreesDocument {
  return { formatVersion: 1, modelVersion, trees: exportTrees(model) };
}

export function countNodes(model: ForestModel): number {
  return model.trees.reduce((s, t) => s + t.feature.length, 0);
}
