/**
 * Worker thread of the training engine: builds the trees it is asked for on the shared
 * train set and posts them back. The Train Lambda's bundle ships this file compiled
 * (infra/constructs/training.ts, FOREST_WORKER_ENTRY); from source it runs as .ts on Node 24.
 */
import { parentPort } from 'node:worker_threads';
import { trainTree, type StandInNode } from './stand-in-forest.ts';
import type { ForestParams } from './params.ts';

export interface TreeJob {
  readonly rows: number;
  /** Backed by SharedArrayBuffers: the workers read the set without copying it. */
  readonly labels: Uint8Array;
  readonly columns: Float32Array[];
  readonly params: ForestParams;
  readonly trees: number[];
}

export interface TreeJobResult {
  readonly trees: { index: number; tree: StandInNode }[];
}

parentPort?.on('message', (job: TreeJob) => {
  const set = { rows: job.rows, userIds: new Float64Array(0), labels: job.labels, columns: job.columns };
  const trees = job.trees.map((index) => ({ index, tree: trainTree(set, job.params, index) }));
  parentPort!.postMessage({ trees } satisfies TreeJobResult);
});
