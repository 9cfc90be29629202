/**
 * Publish: writes models/<version>/model.json, card.json and trees.json (immutable), copies
 * trees.json and card.json to the site bucket's data/, then moves models/current.json to
 * the new version, last (publishPlan). The version comes from the run id and the run's
 * start, so a retried Publish rewrites the same objects and finds them unchanged.
 */
import { forestEngine } from '../core/training/forest-engine.ts';
import { CURRENT_MODEL_KEY, modelKeys, trainingKeys } from '../core/training/keys.ts';
import { isWeekId } from '../core/weeks.ts';
import { Logger } from '@aws-lambda-powertools/logger';
import { modelVersion } from '../core/training/run-id.ts';
import { isSupersededBy, parseCurrentPointer, publishPlan } from '../core/training/publish-plan.ts';
import { TrainingStore, requireEnv } from '../aws/training-store.ts';
import { currentModelAuc, currentVersion } from '../aws/current-model.ts';
import { decodeDataset } from '../core/training/dataset-file.ts';
import { decideGate, readGateSettings } from '../core/training/gate.ts';
import type { EvaluateOutput, Evaluation } from './evaluate.ts';

export interface PublishOutput {
  readonly runId: string;
  /**
   * superseded: the gate said promote, but the current model was trained on a later week.
   * reject: another run published while this one was evaluated, and judged against that
   * model this one no longer passes the gate.
   */
  readonly decision: 'promote' | 'superseded' | 'reject';
  readonly version: string;
  readonly auc: number;
  readonly reason: string;
  readonly written: string[];
}

const store = new TrainingStore();
const logger = new Logger();

/** The current model, when it was trained on a later week than `trainWeek`. */
async function currentFromLaterWeek(
  bucket: string,
  trainWeek: string,
): Promise<{ version: string; trainWeek: string } | undefined> {
  const pointer = await store.getTextIfExists(bucket, CURRENT_MODEL_KEY);
  if (pointer === undefined) return undefined;
  const { version } = parseCurrentPointer(pointer);
  const card = await store.getTextIfExists(bucket, modelKeys(version).card);
  const currentWeek = card === undefined ? undefined : (JSON.parse(card) as { trainWeek?: unknown }).trainWeek;
  if (typeof currentWeek !== 'string' || !isWeekId(currentWeek)) return undefined;
  return isSupersededBy(trainWeek, currentWeek) ? { version, trainWeek: currentWeek } : undefined;
}

export async function handler(event: EvaluateOutput): Promise<PublishOutput> {
  const data = requireEnv('DATA_BUCKET');
  const site = requireEnv('SITE_BUCKET');
  const keys = trainingKeys(event.runId);
  const evaluation = JSON.parse(await store.getText(data, keys.evaluation)) as Evaluation;
  const prepared = JSON.parse(await store.getText(data, keys.prepared)) as {
    sources: unknown;
    dataStats: unknown;
    splitSeed: number;
  };
  const modelJson = await store.getText(data, evaluation.best.modelKey);
  const version = modelVersion(event.runId, new Date(event.trainedAt));
  const newer = await currentFromLaterWeek(data, event.trainWeek);
  if (newer) {
    const reason = `the current model ${newer.version} was trained on week ${newer.trainWeek}, later than week ${event.trainWeek}; it stays`;
    logger.info('superseded', { runId: event.runId, version, reason });
    return { runId: event.runId, decision: 'superseded', version, auc: event.best.auc, reason, written: [] };
  }
  const rejudged = await rejudgeIfCurrentChanged(data, event);
  if (rejudged) {
    logger.info('rejected on re-judging', { runId: event.runId, version, reason: rejudged });
    return { runId: event.runId, decision: 'reject', version, auc: event.best.auc, reason: rejudged, written: [] };
  }
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
    {
      model: modelJson,
      card: JSON.stringify(card, null, 2) + '\n',
      trees: forestEngine.treesDocument(modelJson, version),
    },
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

/**
 * Runs of two week pairs can be evaluated at the same time, each against the model that was
 * current then. When another run published since this one's Evaluate, judge again against
 * that model on this run's test set; returns the reason when the gate now says no.
 */
async function rejudgeIfCurrentChanged(bucket: string, event: EvaluateOutput): Promise<string | undefined> {
  const now = await currentVersion(store, bucket);
  if (now === undefined || now === event.current?.version) return undefined;
  const testKey = trainingKeys(event.runId).test;
  const current = await currentModelAuc(store, bucket, decodeDataset(await store.getBytes(bucket, testKey), testKey));
  if (current?.auc === undefined) return undefined; // not comparable: the floor, already passed, decides
  const gate = decideGate(
    event.best.auc,
    current.auc,
    readGateSettings(process.env.GATE_FLOOR, process.env.GATE_MARGIN),
  );
  if (gate.decision === 'promote') return undefined;
  return `${gate.reason} (model ${now} was published while this run was evaluated; judged again against it)`;
}
