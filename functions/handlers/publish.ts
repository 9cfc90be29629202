/**
 * Publish: writes models/<version>/model.json, card.json and trees.json (immutable), copies
 * trees.json and card.json to the site bucket's data/, then moves models/current.json to
 * the new version, last (publishPlan). The version comes from the run id and the run's
 * start, so a retried Publish rewrites the same objects and finds them unchanged.
 */
import { forestEngine } from '../core/training/forest-engine.ts';
import { trainingKeys } from '../core/training/keys.ts';
import { modelVersion } from '../core/training/run-id.ts';
import { publishPlan } from '../core/training/publish-plan.ts';
import { TrainingStore, requireEnv } from '../aws/training-store.ts';
import type { EvaluateOutput, Evaluation } from './evaluate.ts';

export interface PublishOutput {
  readonly runId: string;
  readonly decision: 'promote';
  readonly version: string;
  readonly auc: number;
  readonly reason: string;
  readonly written: string[];
}

const store = new TrainingStore();

export async function handler(event: EvaluateOutput): Promise<PublishOutput> {
  const data = requireEnv('DATA_BUCKET');
  const site = requireEnv('SITE_BUCKET');
  const keys = trainingKeys(event.runId);
  const evaluation = JSON.parse(await store.getText(data, keys.evaluation)) as Evaluation;
  const prepared = JSON.parse(await store.getText(data, keys.prepared)) as { sources: unknown; dataStats: unknown; splitSeed: number };
  const modelJson = await store.getText(data, evaluation.best.modelKey);
  const version = modelVersion(event.runId, new Date(event.trainedAt));
  const card = {
    formatVersion: 1,
    modelVersion: version,
    trainedAt: event.trainedAt,
    trainWeek: event.trainWeek,
    labelWeek: event.labelWeek,
    runId: event.runId,
    sources: prepared.sources,
    params: { ...evaluation.best.params, splitSeed: prepared.splitSeed },
    metrics: evaluation.metrics,
    featureImportance: evaluation.featureImportance,
    dataStats: prepared.dataStats,
    candidates: evaluation.candidates,
    gate: {
      decision: evaluation.gate.decision,
      reason: evaluation.gate.reason,
      floor: evaluation.gate.floor,
      margin: evaluation.gate.margin,
      ...(evaluation.gate.currentAuc === undefined ? {} : { currentAuc: evaluation.gate.currentAuc }),
    },
  };
  const plan = publishPlan(
    version,
    { model: modelJson, card: JSON.stringify(card, null, 2) + '\n', trees: forestEngine.treesDocument(modelJson, version) },
    new Date(),
  );
  const written: string[] = [];
  // One after the other: the order is the guarantee (the pointer moves last).
  for (const write of plan) {
    const bucket = write.bucket === 'data' ? data : site;
    if (write.immutable) await store.putImmutable(bucket, write.key, write.body);
    else await store.put(bucket, write.key, write.body);
    written.push(`${write.bucket}:${write.key}`);
  }
  return { runId: event.runId, decision: 'promote', version, auc: event.best.auc, reason: event.gate.reason, written };
}
