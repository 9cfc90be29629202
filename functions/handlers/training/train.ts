/**
 * Train (one Map iteration of the training state machine): trains one forest for one
 * parameter combination on the run's train set and writes the candidate model to
 * training/<runId>/candidates/<id>/model.json; given a tree range (a shard, shards.ts), only
 * those trees, to candidates/<id>/trees-<from>-<to>.json, which Evaluate joins.
 */
import { availableParallelism } from 'node:os';
import { Logger } from '@aws-lambda-powertools/logger';
import type { ForestEngine } from '#core/forest/engine.ts';
import { decodeDataset } from '#core/training/dataset-file.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import { trainingKeys } from '#core/training/keys.ts';
import type { ForestParams } from '#core/training/params.ts';
import type { TrainItem } from '#core/training/shards.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';
import { requireEnv } from '#aws/clients.ts';
import { TrainingStore } from '#aws/training/store.ts';

export type TrainInput = TrainItem;

export interface TrainOutput {
  readonly id: string;
  readonly params: ForestParams;
  /** The model, or with `trees` the shard holding those trees. */
  readonly modelKey: string;
  readonly trees?: TrainItem['trees'];
  readonly nodes: number;
  readonly trainSeconds: number;
}

export interface TrainDeps {
  readonly store: TrainingStore;
  readonly dataBucket: string;
  readonly engine: ForestEngine;
  /** Worker threads for the trees: the cores the Lambda's memory buys. */
  readonly threads: number;
  /** The compiled worker script beside the bundle; undefined from source. */
  readonly workerUrl: URL | undefined;
  readonly logger: Logger;
}

export function createTrainHandler(deps: TrainDeps) {
  const { store, dataBucket: bucket, engine, threads, workerUrl, logger } = deps;
  return async (event: TrainInput): Promise<TrainOutput> => {
    const keys = trainingKeys(event.runId);
    const set = decodeDataset(await store.getBytes(bucket, keys.train), keys.train);
    const started = performance.now();
    const { trees } = event;
    const model = await engine.train(set, event.params, { workerUrl, threads, ...(trees ? { trees } : {}) });
    const trainSeconds = (performance.now() - started) / 1000;
    const modelKey = trees ? keys.candidateShard(event.id, trees) : keys.candidateModel(event.id);
    await store.put(bucket, modelKey, model.modelJson);
    logger.info('candidate trained', {
      runId: event.runId,
      id: event.id,
      params: event.params,
      trees,
      rows: set.rows,
      nodes: model.nodes,
      trainSeconds,
      threads,
      workers: Boolean(workerUrl),
    });
    return {
      id: event.id,
      params: event.params,
      modelKey,
      ...(trees ? { trees } : {}),
      nodes: model.nodes,
      trainSeconds: Math.round(trainSeconds * 1000) / 1000,
    };
  };
}

function trainDepsFromEnv(): TrainDeps {
  // The worker script is bundled beside this handler (FOREST_WORKER names the file).
  const worker = process.env.FOREST_WORKER;
  return {
    store: new TrainingStore(),
    dataBucket: requireEnv('DATA_BUCKET'),
    engine: forestEngine,
    threads: availableParallelism(),
    workerUrl: worker ? new URL(`./${worker}`, import.meta.url) : undefined,
    logger: new Logger(),
  };
}

export const handler = lazyHandler(() => createTrainHandler(trainDepsFromEnv()));
