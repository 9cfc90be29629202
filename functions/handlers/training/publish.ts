/**
 * Publish: judges the run against the model current now (a current model from a later week
 * stays; one published since Evaluate is judged against again), writes the version's
 * documents (immutable), moves models/current.json only over the pointer it judged against
 * (If-Match on its ETag, If-None-Match before the first publish), and then copies the
 * current version's trees.json and card.json to the site. When the pointer moved in
 * between, it reads it again and judges again, a bounded number of times. The version
 * comes from the run id and the run's start, so a retried Publish finds its documents
 * unchanged.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { ForestEngine } from '#core/forest/engine.ts';
import { writeImmutable } from '#core/storage/immutable.ts';
import { PreconditionFailedError, type ObjectStore } from '#core/storage/port.ts';
import { readText } from '#core/storage/reads.ts';
import { publicationDocuments } from '#core/training/card.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import { readGateSettings, type GateSettings } from '#core/training/gate.ts';
import { CURRENT_MODEL_KEY, trainingKeys } from '#core/training/keys.ts';
import type { PreparedRecord } from '#core/training/prepare.ts';
import { decidePublication, type PublishDecision } from '#core/training/publish-decision.ts';
import { currentPointerBody, versionDocuments } from '#core/training/publish-plan.ts';
import { modelVersion } from '#core/training/run-id.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';
import { requireEnv, s3Client } from '#aws/clients.ts';
import { s3Store } from '#aws/s3-store.ts';
import { currentAtPublish, readPointer, type PointerRead } from '#aws/training/current-model.ts';
import { copyCurrentToSite } from '#aws/training/site-documents.ts';
import type { EvaluateOutput, Evaluation } from './evaluate.ts';

/** Judgements before Publish gives up on a pointer that keeps moving under it. */
export const MAX_JUDGEMENTS = 5;

export interface PublishOutput extends PublishDecision {
  readonly runId: string;
  readonly version: string;
  readonly auc: number;
  readonly written: string[];
}

export interface PublishDeps {
  readonly data: ObjectStore;
  readonly site: ObjectStore;
  readonly engine: ForestEngine;
  readonly gate: GateSettings;
  readonly logger: Logger;
  readonly now: () => Date;
}

export function createPublishHandler(deps: PublishDeps) {
  const { data, engine, logger } = deps;
  return async (event: EvaluateOutput): Promise<PublishOutput> => {
    const version = modelVersion(event.runId, new Date(event.trainedAt));
    const testKey = trainingKeys(event.runId).test;
    const result = (decision: PublishDecision, written: string[]) => ({
      runId: event.runId,
      version,
      auc: event.best.auc,
      ...decision,
      written,
    });
    const written: string[] = [];
    for (let judgement = 1; judgement <= MAX_JUDGEMENTS; judgement++) {
      const pointer = await readPointer(data);
      if (pointer.version === version) {
        // An earlier attempt of this Publish moved it: finish what that attempt may not have.
        const reason = `${version} is current already (an earlier attempt of this Publish moved the pointer)`;
        return result({ decision: 'promote', reason }, [...written, ...(await copyCurrentToSite(data, deps.site))]);
      }
      const current =
        pointer.version === undefined ? undefined : currentAtPublish(data, engine, pointer.version, testKey);
      const decision = await decidePublication(event, current, deps.gate);
      if (decision.decision !== 'promote') {
        logger.info(decision.decision, { runId: event.runId, version, judgement, reason: decision.reason });
        return result(decision, written);
      }
      if (written.length === 0) written.push(...(await writeVersion(deps, event, version)));
      if (await movePointer(data, pointer, version, deps.now())) {
        written.push(`data:${CURRENT_MODEL_KEY}`);
        logger.info('published', { runId: event.runId, version, judgement, reason: decision.reason });
        return result(decision, [...written, ...(await copyCurrentToSite(data, deps.site))]);
      }
      logger.info('models/current.json moved since it was read; judging again', { runId: event.runId, judgement });
    }
    throw new PublishContentionError(
      `models/current.json moved under Publish ${MAX_JUDGEMENTS} times in a row; ${version} was not published`,
    );
  };
}

/** Moves the pointer only if it is still what was judged against; false when it moved meanwhile. */
async function movePointer(data: ObjectStore, judged: PointerRead, version: string, at: Date): Promise<boolean> {
  const condition = judged.etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: judged.etag };
  try {
    await data.write(CURRENT_MODEL_KEY, currentPointerBody(version, at), {
      contentType: 'application/json',
      ...condition,
    });
    return true;
  } catch (error) {
    if (error instanceof PreconditionFailedError) return false;
    throw error;
  }
}

/** models/<version>/{model,card,trees}.json from the run's evaluation; returns what it wrote (`data:<key>`). */
async function writeVersion(deps: PublishDeps, event: EvaluateOutput, version: string): Promise<string[]> {
  const { data } = deps;
  const keys = trainingKeys(event.runId);
  const evaluation = JSON.parse(await readText(data, keys.evaluation)) as Evaluation;
  const prepared = JSON.parse(await readText(data, keys.prepared)) as PreparedRecord;
  const modelJson = await readText(data, evaluation.best.modelKey);
  const documents = publicationDocuments(deps.engine, modelJson, {
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
  for (const document of versionDocuments(version, documents)) {
    await writeImmutable(data, document.key, document.body);
    written.push(`data:${document.key}`);
  }
  return written;
}

class PublishContentionError extends Error {
  override readonly name = 'PublishContentionError';
}

function publishDepsFromEnv(): PublishDeps {
  const s3 = s3Client();
  return {
    data: s3Store(s3, requireEnv('DATA_BUCKET')),
    site: s3Store(s3, requireEnv('SITE_BUCKET')),
    engine: forestEngine,
    gate: readGateSettings(process.env.GATE_FLOOR, process.env.GATE_MARGIN),
    logger: new Logger(),
    now: () => new Date(),
  };
}

export const handler = lazyHandler(() => createPublishHandler(publishDepsFromEnv()));
