/**
 * Evaluate: scores every candidate and the current model on the run's test set, picks the
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
    for (const candidate of event.candidates)
      candidates.push({ ...candidate, modelJson: await store.getText(bucket, candidate.modelKey) });
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
