/**
 * Predict: scores the users' features arriving on the Kinesis stream and publishes one
 * result message per user to the results queue. Poison records (not JSON, not the model's
 * schema) go to the poison dead-letter queue with their reason and data and count as done.
 * A record counts as done only when its message was accepted; failures are reported per
 * item (Powertools batch processing), so Lambda retries from the first failed record.
 * Writes the batch's counts per round for the trends (functions/core/prediction/trends.ts).
 */
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { parseRecord, type ParsedRecord, type PoisonReason, type PredictionRecord } from '#core/prediction/record.ts';
import type { PredictionModel } from '#core/prediction/model.ts';
import { predictionResult, resultAttributes, type PredictionResult } from '#core/prediction/result.ts';
import { poisonMessage } from '#core/prediction/poison.ts';
import { countByRound, countedPrefix, trendPart } from '#core/prediction/trends.ts';
import { ModelCache } from '#aws/prediction/model-cache.ts';
import { SqsBatcher, type RetryOptions } from '#aws/prediction/sqs-batch.ts';
import { writeTrendParts } from '#aws/prediction/trend-parts.ts';
import { requireEnv, s3Client, sqsClient } from '#aws/clients.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';

export interface PredictDeps {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly dataBucket: string;
  readonly resultsQueueUrl: string;
  readonly poisonQueueUrl: string;
  readonly models: Pick<ModelCache, 'current'>;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly sqsRetry?: RetryOptions;
  readonly now?: () => Date;
}

export interface PredictResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export class NoModelError extends Error {
  override readonly name = 'NoModelError';
}

/**
 * The handler over explicit clients and queues: the Lambda builds them from the environment,
 * tests and the benchmark pass their own.
 */
export function createPredictHandler(deps: PredictDeps) {
  const logger = deps.logger ?? new Logger({ serviceName: 'predict' });
  const now = deps.now ?? (() => new Date());
  const results = new SqsBatcher(deps.sqs, deps.resultsQueueUrl, deps.sqsRetry);
  const poisonQueue = new SqsBatcher(deps.sqs, deps.poisonQueueUrl, deps.sqsRetry);

  return async function predict(event: KinesisStreamEvent, context?: Context): Promise<PredictResponse> {
    const records = event.Records ?? [];
    const [first] = records;
    if (first === undefined) return { batchItemFailures: [] };
    const model = await deps.models.current();
    if (!model) {
      // Failing the whole invocation makes Lambda retry the batch: nothing is lost while no model exists.
      logger.error('no model published yet (models/current.json is missing): failing the batch so that it is retried', {
        records: records.length,
      });
      throw new NoModelError('no model published yet (models/current.json is missing)');
    }
    const batch = scoreBatch(records, model, now());

    const sent = { results: 0, poison: 0 };
    const recordHandler = async (record: KinesisStreamRecord) => {
      const sequence = record.kinesis.sequenceNumber;
      // scoreBatch parsed every record of this event: a miss would be a bug, failing this record only.
      const p = batch.parsed.get(sequence);
      if (p === undefined) throw new Error(`record ${sequence} was not parsed with its batch`);
      if (!p.ok) {
        await poisonQueue.send({ MessageBody: JSON.stringify(poisonFor(record, p.reason)) });
        sent.poison++;
        logger.warn('poison record sent to the dead-letter queue', { sequenceNumber: sequence, reason: p.reason });
        return;
      }
      const result = batch.scored.get(sequence);
      if (result === undefined) throw new Error(`record ${sequence} parsed but was not scored`);
      await results.send({ MessageBody: JSON.stringify(result), MessageAttributes: resultAttributes(result) });
      sent.results++;
    };
    const processor = new BatchProcessor(EventType.KinesisDataStreams);
    const response = (await processPartialResponse(
      event,
      recordHandler,
      processor,
      context ? { context } : undefined,
    )) as PredictResponse;
    const failed = response.batchItemFailures.map((f) => f.itemIdentifier);

    await writeTrendParts(deps.s3, deps.dataBucket, trendParts(first, batch, failed, now()));
    if (failed.length > 0)
      logger.warn('records not done, Lambda retries from the first', { failed: failed.length, first: failed[0] });
    if (deps.metrics) publishMetrics(deps.metrics, { ...sent, failed: failed.length, modelVersion: model.version });
    return response;
  };
}

interface ScoredBatch {
  /** Every record's parse, by sequence number. */
  readonly parsed: Map<string, ParsedRecord>;
  /** The good records' results, by sequence number, in batch order. */
  readonly scored: Map<string, PredictionResult>;
}

/** Parses and scores the whole batch at once; the per-record handler only sends. */
function scoreBatch(records: KinesisStreamRecord[], model: PredictionModel, scoredAt: Date): ScoredBatch {
  const parsed = new Map<string, ParsedRecord>();
  const good: { sequence: string; record: PredictionRecord; row: Float32Array }[] = [];
  for (const r of records) {
    const p = parseRecord(Buffer.from(r.kinesis.data, 'base64'), model.features);
    parsed.set(r.kinesis.sequenceNumber, p);
    if (p.ok) good.push({ sequence: r.kinesis.sequenceNumber, record: p.record, row: p.row });
  }
  const probabilities = model.score(good.map((g) => g.row));
  const scored = new Map<string, PredictionResult>();
  good.forEach(({ sequence, record }, i) => {
    const probability = probabilities[i];
    if (probability === undefined)
      throw new Error(`the model scored ${probabilities.length} of ${good.length} records`);
    scored.set(sequence, predictionResult(record.userId, record.round, probability, model.version, scoredAt));
  });
  return { parsed, scored };
}

function poisonFor(record: KinesisStreamRecord, reason: PoisonReason) {
  return poisonMessage(reason, {
    shardId: shardOf(record),
    sequenceNumber: record.kinesis.sequenceNumber,
    partitionKey: record.kinesis.partitionKey,
    arrivedAt: new Date(record.kinesis.approximateArrivalTimestamp * 1000),
    dataBase64: record.kinesis.data,
  });
}

/**
 * Trends: the records Lambda will not re-deliver, per round; every round of the batch is
 * written (zero when none counted) so an earlier attempt's part under this key is replaced.
 */
function trendParts(first: KinesisStreamRecord, batch: ScoredBatch, failed: string[], at: Date) {
  const shardId = shardOf(first);
  const firstSequence = first.kinesis.sequenceNumber;
  const counted = countedPrefix(
    [...batch.scored].map(([sequenceNumber, result]) => ({ sequenceNumber, result })),
    failed,
  ).map((r) => r.result);
  const counts = new Map(countByRound(counted).map((c) => [c.round, c]));
  const rounds = new Set([...batch.scored.values()].map((r) => r.round));
  return [...rounds].map((round) =>
    trendPart(counts.get(round) ?? { round, scored: 0, retained: 0 }, shardId, firstSequence, at),
  );
}

function publishMetrics(
  metrics: Metrics,
  batch: { results: number; poison: number; failed: number; modelVersion: string },
): void {
  metrics.addMetric('RecordsScored', MetricUnit.Count, batch.results);
  metrics.addMetric('PoisonRecords', MetricUnit.Count, batch.poison);
  metrics.addMetric('RecordsFailed', MetricUnit.Count, batch.failed);
  const inUse = metrics.singleMetric();
  inUse.addDimension('modelVersion', batch.modelVersion);
  inUse.addMetric('ModelVersionInUse', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}

/** `shardId-000000000000:4954…` → `shardId-000000000000`. */
function shardOf(record: KinesisStreamRecord): string {
  const id = record.eventID ?? '';
  const colon = id.indexOf(':');
  return colon > 0 ? id.slice(0, colon) : 'shardId-unknown';
}

/** Clients and settings from the environment the stack gives the function. */
function predictDepsFromEnv(): PredictDeps {
  const s3 = s3Client();
  const dataBucket = requireEnv('DATA_BUCKET');
  const refreshSeconds = Number(process.env.MODEL_REFRESH_SECONDS ?? '60');
  const logger = new Logger({ serviceName: 'predict' });
  return {
    s3,
    sqs: sqsClient(),
    dataBucket,
    resultsQueueUrl: requireEnv('RESULTS_QUEUE_URL'),
    poisonQueueUrl: requireEnv('POISON_QUEUE_URL'),
    models: new ModelCache({
      s3,
      bucket: dataBucket,
      refreshSeconds: Number.isFinite(refreshSeconds) ? refreshSeconds : 60,
      onRefreshError: (error) =>
        logger.warn('models/current.json re-check failed; the cached model stays in use', { error }),
    }),
    logger,
    metrics: new Metrics({
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'RetentionForest',
      serviceName: 'predict',
    }),
  };
}

export const handler = lazyHandler(() => createPredictHandler(predictDepsFromEnv()));
