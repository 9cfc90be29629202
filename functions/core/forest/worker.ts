/**
 * Worker thread of the histogram engine: trains the trees it is given on the shared binned
 * data and posts them back. Only relative `.ts` imports and erasable syntax: Node 24 runs
 * this file as is, and the Lambda bundle ships it compiled as a separate file (workerUrl).
 */
import { parentPort } from 'node:worker_threads';
import type { BinnedData } from './binning.ts';
import type { ForestOptions } from './params.ts';
import { trainTree, type FlatTree } from './tree.ts';

export interface TreeJob {
  /** Bins and labels backed by SharedArrayBuffers: read without copying. */
  readonly data: BinnedData;
  readonly options: ForestOptions;
  readonly trees: number[];
}

export interface TreeJobResult {
  readonly trees: { index: number; tree: FlatTree }[];
}

const port = parentPort;
port?.on('message', (job: TreeJob) => {
  const trees = job.trees.map((index) => ({ index, tree: trainTree(job.data, job.options, index) }));
  port.postMessage({ trees } satisfies TreeJobResult);
});
