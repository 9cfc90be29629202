/**
 * The second engine: the `ml-random-forest` library (mljs), for small data only. Its trees
 * are converted into this package's flat format, so scoring, export and metrics are the
 * same code for both engines. Differences to know: the library picks one feature subset
 * per tree (not per node), splits every feature as a number (`x < value`, categories by
 * their index), supports Gini only, and its split search re-scans every row for every
 * candidate threshold, so its time grows with the square of the rows.
 *
 * Conversion is exact: `x < v` becomes `x ≤ nextDown(v)` on continuous features and, on a
 * categorical one, the mask of the category indices below v. A leaf's probability is the
 * library's leaf class distribution; its counts are the training rows that reach it, split
 * by that distribution (the library keeps no counts).
 */
import { RandomForestClassifier } from 'ml-random-forest';
import type { FeatureInfo } from './binning.ts';
import type { ForestModel } from './model.ts';
import { InvalidForestParams, featuresPerNode, type ForestOptions } from './params.ts';
import type { FlatTree } from './tree.ts';
import { trainingStats } from './stats.ts';

/** Above this many training rows the library takes minutes to hours: use the histogram engine. */
export const ML_RANDOM_FOREST_MAX_ROWS = 5000;

interface MlNode {
  splitColumn?: number;
  splitValue?: number;
  gain?: number;
  left?: MlNode;
  right?: MlNode;
  distribution?: { to1DArray(): number[] } | number[][];
}

/** The largest double below x: turns the library's `x < v` into our `x ≤ t`. */
export function nextDown(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigInt64(0, view.getBigInt64(0) + (x > 0 ? -1n : 1n));
  return view.getFloat64(0);
}

function distributionOf(node: MlNode): number[] {
  const d = node.distribution;
  if (!d) throw new Error('ml-random-forest leaf without a distribution');
  const distribution = Array.isArray(d) ? d[0] : d.to1DArray();
  if (!distribution) throw new Error('ml-random-forest leaf with an empty distribution');
  return distribution;
}

interface TrainingRows {
  readonly rows: number;
  readonly columns: readonly Float32Array[];
  readonly labels: Uint8Array;
}

/** Throws InvalidForestParams when this engine cannot train `options` (on `rows` rows, when given). */
export function checkMlRandomForest(options: ForestOptions, rows?: number): void {
  if (rows !== undefined && rows > ML_RANDOM_FOREST_MAX_ROWS) {
    throw new InvalidForestParams(
      `the ml-random-forest engine trains at most ${ML_RANDOM_FOREST_MAX_ROWS} rows (got ${rows}): its time grows with the square of the rows (hours at 70k). Use engine "histogram", the default.`,
    );
  }
  if (options.impurity !== 'gini')
    throw new InvalidForestParams('the ml-random-forest engine supports impurity "gini" only');
}

export function trainMlRandomForest(
  set: TrainingRows,
  options: ForestOptions,
  schema: FeatureInfo[],
): Promise<ForestModel> {
  checkMlRandomForest(options, set.rows);
  const d = schema.length;
  const perTree = featuresPerNode(options, d);
  const X = Array.from({ length: set.rows }, (_, r) => Array.from(set.columns, (c) => c[r] ?? NaN));
  const y = Array.from(set.labels.subarray(0, set.rows));
  const forest = new RandomForestClassifier({
    nEstimators: options.numTrees,
    // A fraction: the library reads 1 as "all features", and floors fraction × d.
    maxFeatures: Math.min(1, (perTree + 0.5) / d),
    replacement: false,
    seed: options.seed | 0,
    useSampleBagging: options.bootstrap,
    noOOB: true,
    treeOptions: { maxDepth: options.maxDepth, minNumSamples: options.minInstancesPerNode, gainFunction: 'gini' },
  } as never);
  forest.train(X, y);
  const internals = forest as unknown as { estimators: { root: MlNode }[]; indexes: number[][] };
  const trees = internals.estimators.map((estimator, i) => {
    const features = internals.indexes[i];
    if (!features) throw new Error(`ml-random-forest tree ${i} has no feature indexes`);
    return convertTree(estimator.root, features, schema, X);
  });
  return Promise.resolve({
    formatVersion: 1,
    engine: 'ml-random-forest',
    schema: { features: schema },
    params: options,
    training: trainingStats(set, schema),
    trees,
  } as ForestModel);
}

/** One library tree as a FlatTree; `features` maps the tree's columns to schema indices. */
export function convertTree(root: MlNode, features: number[], schema: FeatureInfo[], rows: number[][]): FlatTree {
  const tree: FlatTree = { feature: [], split: [], left: [], right: [], count0: [], count1: [], gain: [] };
  // Returns the node's index and its class counts (a parent's are the sum of its children's).
  const visit = (node: MlNode, reaching: number[][]): { id: number; c0: number; c1: number } => {
    const id = tree.feature.length;
    tree.feature.push(-1);
    tree.split.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.count0.push(0);
    tree.count1.push(0);
    tree.gain.push(0);
    const samples = Math.max(1, reaching.length);
    if (node.left && node.right && node.splitColumn !== undefined && node.splitValue !== undefined) {
      const f = features[node.splitColumn];
      const spec = f === undefined ? undefined : schema[f];
      if (f === undefined || spec === undefined)
        throw new Error(`ml-random-forest split on column ${node.splitColumn}, which maps to no schema feature`);
      const v = node.splitValue;
      if (spec.kind === 'categorical') {
        let mask = 0;
        for (let c = 0; c < (spec.values?.length ?? 0); c++) if (c < v) mask = (mask | (1 << c)) >>> 0;
        tree.split[id] = mask;
      } else {
        tree.split[id] = nextDown(v);
      }
      tree.feature[id] = f;
      tree.gain[id] = Number.isFinite(node.gain) ? Number((node.gain as number).toPrecision(6)) : 0;
      // Rows have one value per schema feature, and f is one (checked above).
      const left = visit(
        node.left,
        reaching.filter((row) => row[f]! < v),
      );
      const right = visit(
        node.right,
        reaching.filter((row) => !(row[f]! < v)),
      );
      tree.left[id] = left.id;
      tree.right[id] = right.id;
      tree.count0[id] = left.c0 + right.c0;
      tree.count1[id] = left.c1 + right.c1;
      return { id, c0: left.c0 + right.c0, c1: left.c1 + right.c1 };
    }
    // The library sums 1/n per row, so a pure leaf can read 1.0000000000000002.
    const p1 = Math.min(1, Math.max(0, distributionOf(node)[1] ?? 0));
    tree.count1[id] = p1 * samples;
    tree.count0[id] = (1 - p1) * samples;
    return { id, c0: (1 - p1) * samples, c1: p1 * samples };
  };
  visit(root, rows);
  return tree;
}
