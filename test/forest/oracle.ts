/**
 * The forest read the plain way, as a reference for the fast scorer's tests: one row at a
 * time down model.json's own arrays. A categorical value that is not one of the split's
 * categories (or not a category at all) goes right.
 */
import type { ForestModel } from '#core/forest/model.ts';
import { defined } from '#test/support/defined.ts';

type Tree = ForestModel['trees'][number];

const share = (tree: Tree, i: number) => {
  const c1 = defined(tree.count1[i], `count1 of node ${i}`);
  return c1 / (defined(tree.count0[i], `count0 of node ${i}`) + c1);
};

/** Row r's path through one tree: the nodes from root to leaf. */
function path(model: ForestModel, tree: Tree, columns: readonly Float32Array[], r: number): number[] {
  const nodes = [0];
  for (let i = 0; ;) {
    const f = defined(tree.feature[i], `feature of node ${i}`);
    if (f < 0) return nodes;
    const x = defined(columns[f]?.[r], `feature ${f} of row ${r}`);
    const split = defined(tree.split[i], `split of node ${i}`);
    const categories = model.schema.features[f]?.values?.length ?? 0;
    const left =
      model.schema.features[f]?.kind === 'categorical'
        ? Number.isInteger(x) && x >= 0 && x < categories && (split & (1 << x)) !== 0
        : !(x > split);
    i = defined(left ? tree.left[i] : tree.right[i], `child of node ${i}`);
    nodes.push(i);
  }
}

/** P(retained) of row r: the leaves' shares summed in tree order, times 1 / trees (as the scorer does). */
export function oracleScore(model: ForestModel, columns: readonly Float32Array[], r: number): number {
  let sum = 0;
  for (const tree of model.trees) sum += share(tree, defined(path(model, tree, columns, r).at(-1), 'a leaf'));
  return sum * (1 / model.trees.length);
}

/** Row r's contribution per feature: each split on its paths credited with (child's share − node's share), averaged over trees. */
export function oracleContributions(model: ForestModel, columns: readonly Float32Array[], r: number): number[] {
  const out = model.schema.features.map(() => 0);
  for (const tree of model.trees) {
    const nodes = path(model, tree, columns, r);
    for (let k = 1; k < nodes.length; k++) {
      const parent = defined(nodes[k - 1], 'a parent');
      const f = defined(tree.feature[parent], 'a split feature');
      out[f] = defined(out[f], 'a contribution') + share(tree, defined(nodes[k], 'a child')) - share(tree, parent);
    }
  }
  return out.map((c) => c / model.trees.length);
}
