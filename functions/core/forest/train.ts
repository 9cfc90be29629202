/**
 * Training a forest: resolve the options, bin the features once, build the trees (here or
 * spread over worker threads: each tree depends only on (data, options, treeIndex), so the
 * model is byte-identical either way), and wrap them with the schema and data statistics.
 */
import { Worker } from 'node:worker_threads';
import type { Categories } from '#core/schema.ts';
import { binColumns, type BinnedData, type FeatureInfo } from './binning.ts';
import { MODEL_FORMAT_VERSION, productSchema, type ForestModel, type TrainingStats } from './model.ts';
import { trainingStats } from './stats.ts';
import { resolveOptions, type ForestOptions, type LooseParams } from './params.ts';
import { trainTree, type FlatTree } from './tree.ts';
import type { TreeJob, TreeJobResult } from './worker.ts';
import { trainMlRandomForest } from './ml-engine.ts';

/** What training reads: column-major features in schema order, labels 0/1 (a LabelledSet fits). */
export interface TrainingSet {
  readonly rows: number;
  readonly columns: readonly Float32Array[];
  readonly labels: Uint8Array;
}

export interface TrainOptions {
  /** Worker threads for the trees (default 1: train here). */
  readonly workers?: number;
  /** The worker script; a bundle passes its compiled worker's location. Default: ./worker.ts beside this file. */
  readonly workerUrl?: string | URL;
  /** Category lists the dataset's indices refer to (default schema.ts DEFAULT_CATEGORIES). */
  readonly categories?: Categories;
  /** Only trees [from, to) of the forest (a shard); default all. merge.ts joins shards. */
  readonly trees?: TreeRange;
}

/** Tree indices [from, to) of a forest of `numTrees`. */
export interface TreeRange {
  readonly from: number;
  readonly to: number;
}

const DEFAULT_WORKER_URL = new URL('./worker.ts', import.meta.url);

export async function trainForest(
  set: TrainingSet,
  params: LooseParams | ForestOptions = {},
  options: TrainOptions = {},
): Promise<ForestModel> {
  const resolved = resolveOptions(params as LooseParams);
  if (set.rows === 0) throw new Error('no training rows: a forest needs at least one labelled user');
  const schema = productSchema(options.categories);
  const indices = treeIndices(resolved.numTrees, options.trees);
  if (resolved.engine === 'ml-random-forest') {
    if (options.trees) throw new Error('ml-random-forest trains whole forests only (no tree ranges)');
    return trainMlRandomForest(set, resolved, schema);
  }
  const data = binColumns(set.columns, set.labels.subarray(0, set.rows), schema, resolved.maxBins);
  const workers = Math.min(options.workers ?? 1, indices.length);
  const trees =
    workers > 1
      ? await trainParallel(data, resolved, indices, workers, options.workerUrl ?? DEFAULT_WORKER_URL)
      : trainSerial(data, resolved, indices);
  return assembleModel('histogram', schema, resolved, trainingStats(set, schema), trees);
}

/** The same model without worker threads, synchronously. */
export function trainForestSync(
  set: TrainingSet,
  params: LooseParams | ForestOptions = {},
  categories?: Categories,
): ForestModel {
  const resolved = resolveOptions(params as LooseParams);
  if (resolved.engine !== 'histogram')
    throw new Error('trainForestSync trains the histogram engine only; use trainForest');
  if (set.rows === 0) throw new Error('no training rows: a forest needs at least one labelled user');
  const schema = productSchema(categories);
  const data = binColumns(set.columns, set.labels.subarray(0, set.rows), schema, resolved.maxBins);
  const trees = trainSerial(data, resolved, treeIndices(resolved.numTrees));
  return assembleModel('histogram', schema, resolved, trainingStats(set, schema), trees);
}

/** The indices of the trees to build; a range must lie within the forest and hold a tree. */
function treeIndices(numTrees: number, range: TreeRange = { from: 0, to: numTrees }): number[] {
  const { from, to } = range;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > numTrees || from >= to)
    throw new RangeError(`tree range [${from}, ${to}) is not within a forest of ${numTrees} trees`);
  return Array.from({ length: to - from }, (_, i) => from + i);
}

function assembleModel(
  engine: ForestOptions['engine'],
  schema: FeatureInfo[],
  params: ForestOptions,
  training: TrainingStats,
  trees: FlatTree[],
): ForestModel {
  return { formatVersion: MODEL_FORMAT_VERSION, engine, schema: { features: schema }, params, training, trees };
}

function trainSerial(data: BinnedData, options: ForestOptions, indices: readonly number[]): FlatTree[] {
  return indices.map((t) => trainTree(data, options, t));
}

function shared<T extends Uint8Array>(array: T): Uint8Array {
  const copy = new Uint8Array(new SharedArrayBuffer(array.byteLength));
  copy.set(array);
  return copy;
}

async function trainParallel(
  data: BinnedData,
  options: ForestOptions,
  indices: readonly number[],
  workers: number,
  workerUrl: string | URL,
): Promise<FlatTree[]> {
  const sharedData: BinnedData = { ...data, labels: shared(data.labels), rowBins: shared(data.rowBins) };
  const first = indices[0] ?? 0;
  const trees: FlatTree[] = new Array(indices.length);
  const batches = Array.from({ length: workers }, (_, w) => indices.filter((t) => t % workers === w));
  await Promise.all(
    batches.map(
      (indices) =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(workerUrl);
          let done = false;
          worker.once('message', (result: TreeJobResult) => {
            for (const { index, tree } of result.trees) trees[index - first] = tree;
            done = true;
            void worker.terminate();
            resolve();
          });
          worker.once('error', reject);
          worker.once('exit', (code) => {
            if (!done) reject(new Error(`forest worker exited with code ${code} before sending its trees`));
          });
          worker.postMessage({ data: sharedData, options, trees: indices } satisfies TreeJob);
        }),
    ),
  );
  return trees;
}
