/**
 * Evaluate: scores every candidate and the current model on the run's test set, picks the
 * winner (best AUC, ties → smaller model), and states the gate's decision. The Gate Choice
 * state reads `best.auc` and `gate.minAcceptedAuc`; the full metrics go to
 * training/<runId>/evaluation.json for Publish and for people.
 */
import { decodeDataset } from '../core/training/dataset-file.ts';
import { forestEngine } from '../core/training/forest-engine.ts';
import { decideGate, readGateSettings, type GateDecision } from '../core/training/gate.ts';
import { trainingKeys } from '../core/training/keys.ts';
import { pickBest } from '../core/training/selection.ts';
import type { Metrics } from '../core/training/engine.ts';
import type { ForestParams } from '../core/training/params.ts';
import { Logger } from '@aws-lambda-powertools/logger';
import { TrainingStore, requireEnv } from '../aws/training-store.ts';
import { currentModelAuc } from '../aws/current-model.ts';
import type { TrainOutput } from './train.ts';

export interface EvaluateInput {
  readonly runId: string;
  readonly trainWeek: string;
  readonly labelWeek: string;
  readonly trainedAt: string;
  readonly candidates: TrainOutput[];
}

export interface CandidateSummary {
  readonly id: string;
  readonly params: ForestParams;
  readonly auc: number;
  readonly errorRate: number;
  readonly nodes: number;
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

export interface Evaluation extends EvaluateOutput {
  readonly formatVersion: 1;
  readonly metrics: Metrics;
  readonly featureImportance: { feature: string; importance: number }[];
}

type Scored = TrainOutput & { auc: number; errorRate: number; metrics: Metrics; modelJson: string };

const store = new TrainingStore();
const logger = new Logger();

export async function handler(event: EvaluateInput): Promise<EvaluateOutput> {
  const bucket = requireEnv('DATA_BUCKET');
  const settings = readGateSettings(process.env.GATE_FLOOR, process.env.GATE_MARGIN);
  const keys = trainingKeys(event.runId);
  const test = decodeDataset(await store.getBytes(bucket, keys.test), keys.test);

  const scored: Scored[] = [];
  for (const candidate of event.candidates) {
    const modelJson = await store.getText(bucket, candidate.modelKey);
    const metrics = forestEngine.metrics(test.labels, forestEngine.score(modelJson, test));
    scored.push({ ...candidate, auc: metrics.auc, errorRate: metrics.errorRate, metrics, modelJson });
  }
  const winner = pickBest(scored);
  const current = await currentModelAuc(store, bucket, test);
  const decided = decideGate(winner.auc, current?.auc, settings);
  // A current model this engine cannot read (another engine or format) cannot be compared:
  // the floor alone decides, and the reason says so.
  const gate = current?.unreadable
    ? {
        ...decided,
        reason: `${decided.reason} (current model ${current.version} not comparable: ${current.unreadable})`,
      }
    : decided;
  const summary = (c: Scored): CandidateSummary => ({
    id: c.id,
    params: c.params,
    auc: c.auc,
    errorRate: c.errorRate,
    nodes: c.nodes,
  });
  const output: EvaluateOutput = {
    runId: event.runId,
    trainWeek: event.trainWeek,
    labelWeek: event.labelWeek,
    trainedAt: event.trainedAt,
    best: { ...summary(winner), modelKey: winner.modelKey },
    candidates: scored.map(summary),
    ...(current?.auc !== undefined ? { current: { version: current.version, auc: current.auc } } : {}),
    gate,
  };
  const evaluation: Evaluation = {
    formatVersion: 1,
    ...output,
    metrics: winner.metrics,
    featureImportance: forestEngine.featureImportance(winner.modelJson),
  };
  await store.put(bucket, keys.evaluation, JSON.stringify(evaluation, null, 2) + '\n');
  logger.info('evaluated', {
    runId: event.runId,
    best: output.best.id,
    auc: output.best.auc,
    gate: gate.decision,
    reason: gate.reason,
  });
  return output;
}
