/**
 * The TrainingEngine the handlers use. Bound to the stand-in forest until the forest engine
 * (functions/core/forest/) lands; swapping is this file only.
 */
import type { TrainingEngine } from './engine.ts';
import { binaryMetrics } from './metrics.ts';
import { Worker } from 'node:worker_threads';
import type { LabelledSet } from './labels.ts';
import type { ForestParams } from './params.ts';
import { checkStandInParams, countNodes, exportStandInTrees, importanceStandIn, scoreStandIn, standInModel, trainStandIn, type StandInModel, type StandInNode } from './stand-in-forest.ts';
import type { TreeJob, TreeJobResult } from './forest-worker.ts';

/** From source the worker runs as TypeScript; a bundle passes the compiled file's URL. */
const SOURCE_WORKER = import.meta.url.endsWith('.ts') ? new URL('./forest-worker.ts', import.meta.url) : undefined;

/** Trees spread over `threads` workers (round robin); the same trees as one thread builds. */
async function trainParallel(set: LabelledSet, params: ForestParams, workerUrl: string | URL, threads: number): Promise<StandInModel> {
  checkStandInParams(params);
  const numTrees = Number(params.numTrees ?? 20);
  const share = <T extends Float32Array | Uint8Array>(array: T, make: (b: SharedArrayBuffer) => T): T => {
    const copy = make(new SharedArrayBuffer(array.byteLength));
    copy.set(array as never);
    return copy;
  };
  const labels = share(set.labels, (b) => new Uint8Array(b));
  const columns = set.columns.map((c) => share(c, (b) => new Float32Array(b)));
  const jobs = Array.from({ length: Math.min(threads, numTrees) }, (_, w) => Array.from({ length: numTrees }, (_, t) => t).filter((t) => t % threads === w));
  const trees: StandInNode[] = new Array(numTrees);
  await Promise.all(
    jobs.map(
      (indices) =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(workerUrl);
          worker.once('message', (result: TreeJobResult) => {
            for (const { index, tree } of result.trees) trees[index] = tree;
            void worker.terminate();
            resolve();
          });
          worker.once('error', reject);
          worker.once('exit', (code) => code !== 0 && reject(new Error(`forest worker exited with code ${code}`)));
          worker.postMessage({ rows: set.rows, labels, columns, params, trees: indices } satisfies TreeJob);
        }),
    ),
  );
  return standInModel(params, trees);
}

/** The last model parsed: prediction scores many batches with one model. */
let cached: { json: string; model: StandInModel } | undefined;

function load(modelJson: string): StandInModel {
  if (cached?.json === modelJson) return cached.model;
  const model = JSON.parse(modelJson) as StandInModel;
  if (model.formatVersion !== 1 || model.engine !== 'stand-in' || !Array.isArray(model.trees)) {
    throw new Error('model.json is not a model this engine reads (formatVersion 1, engine stand-in)');
  }
  cached = { json: modelJson, model };
  return model;
}

export const forestEngine: TrainingEngine = {
  async train(set, params, options) {
    const workerUrl = options.workerUrl ?? SOURCE_WORKER;
    const threads = options.threads ?? 1;
    const model = workerUrl && threads > 1 ? await trainParallel(set, params, workerUrl, threads) : trainStandIn(set, params);
    return { modelJson: JSON.stringify(model), nodes: countNodes(model) };
  },
  score: (modelJson, set) => scoreStandIn(load(modelJson), set),
  metrics: binaryMetrics,
  featureImportance: (modelJson) => importanceStandIn(load(modelJson)),
  treesDocument: (modelJson, modelVersion) =>
    JSON.stringify({ formatVersion: 1, modelVersion, trees: exportStandInTrees(load(modelJson)) }),
  nodes: (modelJson) => countNodes(load(modelJson)),
};
