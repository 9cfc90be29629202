/**
 * Publish: unless the rules say otherwise (a current model from a later week stays; one
 * published since Evaluate is judged against again), writes models/<version>/model.json,
 * card.json and trees.json (immutable), copies trees.json and card.json to the site
 * bucket's data/, then moves models/current.json to the new version, last (publishPlan).
 * The version comes from the run id and the run's start, so a retried Publish rewrites the
 * same objects and finds them unchanged.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { ForestEngine } from '#core/forest/engine.ts';
import { publicationDocuments } from '#core/training/card.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import { readGateSettings, type GateSettings } from '#core/training/gate.ts';
import { trainingKeys } from '#core/training/keys.ts';
import type { PreparedRecord } from '#core/training/prepare.ts';
import { decidePublication, type PublishDecision } from '#core/training/publish-decision.ts';
import { publishPlan } from '#core/training/publish-plan.ts';
import { modelVersion } from '#core/training/run-id.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';
import { requireEnv } from '#aws/clients.ts';
import { TrainingStore } from '#aws/training/store.ts';
import { currentAtPublish } from '#aws/training/current-model.ts';
import type { EvaluateOutput, Evaluation } from './evaluate.ts';

export interface PublishOutput extends PublishDecision {
  readonly runId: string;
  readonly version: string;
  readonly auc: number;
  readonly written: string[];
}

export interface PublishDeps {
  readonly store: TrainingStore;
  readonly dataBucket: string;
  readonly siteBucket: string;
  readonly engine: ForestEngine;
  readonly gate: GateSettings;
  readonly logger: Logger;
  readonly now: () => Date;
}

export function createPublishHandler(deps: PublishDeps) {
  const { store, dataBucket: data, engine, logger } = deps;
  return async (event: EvaluateOutput): Promise<PublishOutput> => {
    const keys = trainingKeys(event.runId);
    const version = modelVersion(event.runId, new Date(event.trainedAt));
    const current = await currentAtPublish(store, data, engine, keys.test);
    const { decision, reason } = await decidePublication(event, current, deps.gate);
    const result = { runId: event.runId, decision, version, auc: event.best.auc, reason };
    if (decision !== 'promote') {
      logger.info(decision === 'superseded' ? 'superseded' : 'rejected on re-judging', result);
      return { ...result, written: [] };
    }
    const evaluation = JSON.parse(await store.getText(data, keys.evaluation)) as Evaluation;
    const prepared = JSON.parse(await store.getText(data, keys.prepared)) as PreparedRecord;
    const modelJson = await store.getText(data, evaluation.best.modelKey);
    const documents = publicationDocuments(engine, modelJson, {
      modelVersion: version,
      runId: event.runId,
      trainedAt: event.trainedAt,
      trainWeek: event.trainWeek,
      labelWeek: event.labelWeek,
      sources: prepared.sources,
      splitSeed: prepared.splitSeed,
      dataStats: prepared.dataStats,
      metrics: evaluation.metrics,
      featureImportance: evaluation.featureImportance,
      candidates: evaluation.candidates,
      gate: evaluation.gate,
    });
    const written: string[] = [];
    // One after the other: the order is the guarantee (the pointer moves last).
    for (const write of publishPlan(version, documents, deps.now())) {
      const bucket = write.bucket === 'data' ? data : deps.siteBucket;
      if (write.immutable) await store.putImmutable(bucket, write.key, write.body);
      else await store.put(bucket, write.key, write.body);
      written.push(`${write.bucket}:${write.key}`);
    }
    return { ...result, written };
  };
}

function publishDepsFromEnv(): PublishDeps {
  return {
    store: new TrainingStore(),
    dataBucket: requireEnv('DATA_BUCKET'),
    siteBucket: requireEnv('SITE_BUCKET'),
    engine: forestEngine,
    gate: readGateSettings(process.env.GATE_FLOOR, process.env.GATE_MARGIN),
    logger: new Logger(),
    now: () => new Date(),
  };
}

export const handler = lazyHandler(() => createPublishHandler(publishDepsFromEnv()));
