/**
 * Train (one Map iteration of the training state machine): trains one forest for one
 * parameter combination on the run's train set and writes the candidate model to
 * training/<runId>/candidates/<id>/model.json.
 */
import { availableParallelism } from 'node:os';
import { decodeDataset } from '../core/training/dataset-file.ts';
import { forestEngine } from '../core/training/forest-engine.ts';
import { trainingKeys } from '../core/training/keys.ts';
import type { ForestParams } from '../core/training/params.ts';
import { Logger } from '@aws-lambda-powertools/logger';
import { TrainingStore, requireEnv } from '../aws/training-store.ts';

export interface TrainInput {
  readonly runId: string;
  readonly id: string;
  readonly params: ForestParams;
}

export interface TrainOutput {
  readonly id: string;
  readonly params: ForestParams;
  readonly modelKey: string;
  readonly nodes: number;
  readonly trainSeconds: number;
}

const store = new TrainingStore();
const logger = new Logger();

export async function handler(event: TrainInput): Promise<TrainOutput> {
  const bucket = requireEnv('DATA_BUCKET');
  const keys = trainingKeys(event.runId);
  const set = decodeDataset(await store.getBytes(bucket, keys.train), keys.train);
  // The worker script is bundled beside this handler (FOREST_WORKER names the file).
  const worker = process.env.FOREST_WORKER;
  const workerUrl = worker ? new URL(`./${worker}`, import.meta.url) : undefined;
  const started = performance.now();
  const model = await forestEngine.train(set, event.params, { workerUrl, threads: availableParallelism() });
  const trainSeconds = (performance.now() - started) / 1000;
  const modelKey = keys.candidateModel(event.id);
  await store.put(bucket, modelKey, model.modelJson);
  logger.info('candidate trained', {
    runId: event.runId,
    id: event.id,
    params: event.params,
    rows: set.rows,
    nodes: model.nodes,
    trainSeconds,
    threads: availableParallelism(),
    workers: Boolean(workerUrl),
  });
  return {
    id: event.id,
    params: event.params,
    modelKey,
    nodes: model.nodes,
    trainSeconds: Math.round(trainSeconds * 1000) / 1000,
  };
}
