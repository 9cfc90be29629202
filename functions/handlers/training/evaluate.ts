/**
 * Evaluate: joins each candidate trained in shards into its model.json, scores every candidate and the current model on the run's test set, picks the
 * winner (best AUC, ties → smaller model), and states the gate's decision. The Gate Choice
 * state reads `best.auc` and `gate.minAcceptedAuc`; the full metrics go to
 * training/<runId>/evaluation.json for Publish and for people.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { ForestEngine } from '#core/forest/engine.ts';
import type { FeatureImportance } from '#core/forest/importance.ts';
import type { Metrics } from '#core/forest/metrics.ts';
import { decodeDataset } from '#core/training/dataset-file.ts';
import { evaluateCandidates, type CandidateSummary } from '#core/training/evaluate.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import { readGateSettings, type GateDecision, type GateSettings } from '#core/training/gate.ts';
import { trainingKeys } from '#core/training/keys.ts';
import { byCandidate } from '#core/training/shards.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';
import { requireEnv } from '#aws/clients.ts';
import { TrainingStore } from '#aws/training/store.ts';
import { currentModelAuc } from '#aws/training/current-model.ts';
import type { TrainOutput } from './train.ts';

export interface EvaluateInput {
  readonly runId: string;
  readonly trainWeek: string;
  readonly labelWeek: string;
  readonly trainedAt: string;
  readonly candidates: TrainOutput[];
}

export interface EvaluateOutput {
  readonly runId: string;
  readonly trainWeek: string;
  readonly labelWeek: string;
  readonly trainedAt: string;
  readonly best: CandidateSummary & { modelKey: string };
  readonly candidates: CandidateSummary[];
  readonly current?: { version: string; auc: number };
  readonly gate: GateDecision;
}

/** training/<runId>/evaluation.json. */
export interface Evaluation extends EvaluateOutput {
  readonly formatVersion: 1;
  readonly metrics: Metrics;
  readonly featureImportance: FeatureImportance[];
}

export interface EvaluateDeps {
  readonly store: TrainingStore;
  readonly dataBucket: string;
  readonly engine: ForestEngine;
  readonly gate: GateSettings;
  readonly logger: Logger;
}

export function createEvaluateHandler(deps: EvaluateDeps) {
  const { store, dataBucket: bucket, engine, logger } = deps;
  return async (event: EvaluateInput): Promise<EvaluateOutput> => {
    const keys = trainingKeys(event.runId);
    const test = decodeDataset(await store.getBytes(bucket, keys.test), keys.test);
    const candidates = [];
    for (const results of byCandidate(event.candidates)) candidates.push(await candidateModel(deps, keys, results));
    const current = await currentModelAuc(store.bucket(bucket), engine, test);
    const evaluated = evaluateCandidates(engine, test, candidates, current, deps.gate);
    const output: EvaluateOutput = {
      runId: event.runId,
      trainWeek: event.trainWeek,
      labelWeek: event.labelWeek,
      trainedAt: event.trainedAt,
      best: { ...evaluated.best, modelKey: evaluated.winner.modelKey },
      candidates: evaluated.candidates,
      ...(evaluated.current ? { current: evaluated.current } : {}),
      gate: evaluated.gate,
    };
    const evaluation: Evaluation = {
      formatVersion: 1,
      ...output,
      metrics: evaluated.metrics,
      featureImportance: evaluated.featureImportance,
    };
    await store.put(bucket, keys.evaluation, JSON.stringify(evaluation, null, 2) + '\n');
    const { gate } = evaluated;
    logger.info('evaluated', {
      runId: event.runId,
      best: output.best.id,
      auc: output.best.auc,
      gate: gate.decision,
      reason: gate.reason,
    });
    return output;
  };
}

/** A candidate's model: as Train wrote it, or joined from its shards (and written as its model.json). */
async function candidateModel(
  { store, dataBucket: bucket, engine, logger }: EvaluateDeps,
  keys: ReturnType<typeof trainingKeys>,
  results: readonly TrainOutput[],
): Promise<TrainOutput & { modelJson: string }> {
  const [first] = results;
  if (!first) throw new Error('a candidate without results');
  if (results.length === 1 && !first.trees) return { ...first, modelJson: await store.getText(bucket, first.modelKey) };
  const shards = [];
  for (const { trees, modelKey } of results) {
    if (!trees) throw new Error(`candidate ${first.id}: ${modelKey} is a whole model among shards`);
    shards.push({ trees, modelJson: await store.getText(bucket, modelKey) });
  }
  const { modelJson, nodes } = engine.merge(shards);
  const modelKey = keys.candidateModel(first.id);
  await store.put(bucket, modelKey, modelJson);
  const trainSeconds = results.reduce((sum, r) => sum + r.trainSeconds, 0);
  logger.info('shards joined', { id: first.id, shards: results.length, nodes, trainSeconds });
  return { id: first.id, params: first.params, modelKey, nodes, trainSeconds, modelJson };
}

function evaluateDepsFromEnv(): EvaluateDeps {
  return {
    store: new TrainingStore(),
    dataBucket: requireEnv('DATA_BUCKET'),
    engine: forestEngine,
    gate: readGateSettings(process.env.GATE_FLOOR, process.env.GATE_MARGIN),
    logger: new Logger(),
  };
}

export const handler = lazyHandler(() => createEvaluateHandler(evaluateDepsFromEnv()));
