/**
 * Predict: scores the users' features arriving on the Kinesis stream and publishes each
 * user's result to the results topic, many results to a message (results-grouper.ts; every
 * subscribed queue receives every message). Each record is parsed and scored in its own
 * handler (Powertools batch processing): anything it throws makes it poison, which goes to
 * the poison dead-letter queue with its reason and data (a big one kept in the data bucket)
 * and counts as done. Only a failed send (SNS, SQS or S3 refusing after retries) fails a record;
 * Lambda retries from the first failed record.
 * Writes the batch's counts and least-likely users per round for the trends and the at-risk
 * list (functions/core/prediction/batch-trends.ts).
 */
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { parseRecord, recordErrorReason, type PoisonReason } from '#core/prediction/record.ts';
import type { PredictionModel } from '#core/prediction/model.ts';
import {
  DEFAULT_RESULTS_PER_MESSAGE,
  predictionResult,
  resultAttributes,
  resultsPerMessageFrom,
  type PredictionResult,
} from '#core/prediction/result.ts';
import { poisonEnvelope } from '#core/prediction/poison.ts';
import { BatchScorer } from '#core/prediction/batch-scorer.ts';
import { recordReasons } from '#core/prediction/reasons.ts';
import { batchTrendParts } from '#core/prediction/batch-trends.ts';
import { DEFAULT_AT_RISK_SIZE, atRiskSizeFrom, segmentOf, type ScoredUser } from '#core/prediction/at-risk.ts';
import { ModelCache } from '#aws/prediction/model-cache.ts';
import { SQS_MESSAGE_BYTES, SqsBatcher, type RetryOptions } from '#aws/prediction/sqs-batch.ts';
import { keepPoisonData } from '#aws/prediction/poison-data.ts';
import { SnsPublisher, type MessagePublisher } from '#aws/prediction/sns-publish-batch.ts';
import { ResultsGrouper } from '#aws/prediction/results-grouper.ts';
import { writeTrendParts } from '#aws/prediction/trend-parts.ts';
import { scoredParts } from '#core/prediction/scored.ts';
import { writeScoredParts } from '#aws/prediction/scored-parts.ts';
import { requireEnv, s3Client, snsClient, sqsClient } from '#aws/clients.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';

export interface PredictDeps {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly dataBucket: string;
  readonly resultsTopicArn: string;
  readonly poisonQueueUrl: string;
  readonly models: Pick<ModelCache, 'current'>;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Retries of refused SQS sends and SNS publishes. */
  readonly sqsRetry?: RetryOptions;
  readonly now?: () => Date;
  /** Least-likely users each trend part carries (the at-risk list's size; default 1,000). */
  readonly atRiskSize?: number;
  /** Results a message carries at most (default 100). */
  readonly resultsPerMessage?: number;
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
  const results: MessagePublisher = new ResultsGrouper(
    new SnsPublisher(deps.sns, deps.resultsTopicArn, deps.sqsRetry),
    deps.resultsPerMessage ?? DEFAULT_RESULTS_PER_MESSAGE,
  );
  const sendPoison = poisonSender(deps, new SqsBatcher(deps.sqs, deps.poisonQueueUrl, deps.sqsRetry), logger);

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
    const scoredAt = now();
    const scorer = new BatchScorer(model);
    const scored = new Map<string, ScoredUser>();
    const sent = { results: 0, poison: 0 };
    const recordHandler = async (record: KinesisStreamRecord) => {
      const data = Buffer.from(record.kinesis.data, 'base64');
      const outcome = await judge(data, model, scorer, scoredAt);
      if (!outcome.ok) {
        await sendPoison(record, data, outcome.reason);
        sent.poison++;
        return;
      }
      scored.set(record.kinesis.sequenceNumber, outcome);
      await results.send({ body: JSON.stringify(outcome.result), attributes: resultAttributes(outcome.result) });
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

    const batch = { shardId: shardOf(first), firstSequenceNumber: first.kinesis.sequenceNumber };
    const atRiskSize = deps.atRiskSize ?? DEFAULT_AT_RISK_SIZE;
    const parts = batchTrendParts({ ...batch, scored, failed, modelVersion: model.version, atRiskSize }, now());
    await writeTrendParts(deps.s3, deps.dataBucket, parts);
    // The scored users of records that named their week, kept for outcomes (docs/formats.md).
    const scoredResults = new Map([...scored].map(([sequenceNumber, user]) => [sequenceNumber, user.result]));
    await writeScoredParts(deps.s3, deps.dataBucket, scoredParts(scoredResults, failed, batch, now()));
    if (failed.length > 0)
      logger.warn('records not done, Lambda retries from the first', {
        failed: failed.length,
        first: failed[0],
        error: processor.errors[0]?.message,
      });
    if (deps.metrics) publishMetrics(deps.metrics, { ...sent, failed: failed.length, modelVersion: model.version });
    return response;
  };
}

type Outcome =
  | ({ readonly ok: true; readonly result: PredictionResult } & Omit<ScoredUser, 'result'>)
  | { readonly ok: false; readonly reason: PoisonReason };

/** One record parsed and scored; whatever it makes throw is its own poison, never the batch's. */
async function judge(data: Uint8Array, model: PredictionModel, scorer: BatchScorer, scoredAt: Date): Promise<Outcome> {
  try {
    const parsed = parseRecord(data, model.features);
    if (!parsed.ok) return parsed;
    const { probability, contributions } = await scorer.score(parsed.row);
    const { userId, round, week } = parsed.record;
    const reasons = recordReasons(model.features, parsed.record, contributions);
    const result = predictionResult(userId, round, probability, model.version, scoredAt, { week, reasons });
    return { ok: true, result, ...segmentOf(parsed.record.features) };
  } catch (error) {
    return { ok: false, reason: recordErrorReason(error) };
  }
}

/** Sends a poison record's message; one too big for it is kept in the data bucket first (claim check). */
function poisonSender(deps: PredictDeps, queue: SqsBatcher, logger: Logger) {
  return async (record: KinesisStreamRecord, data: Uint8Array, reason: PoisonReason): Promise<void> => {
    const envelope = poisonEnvelope(reason, poisonSource(record, data), SQS_MESSAGE_BYTES);
    // The object first: the message names it, so it must exist by the time anyone reads the message.
    const kept = envelope.claimCheck;
    if (kept) await keepPoisonData(deps.s3, deps.dataBucket, kept.key, kept.data);
    await queue.send({ MessageBody: envelope.body });
    logger.warn('poison record sent to the dead-letter queue', {
      sequenceNumber: record.kinesis.sequenceNumber,
      reason,
      ...(kept ? { dataKey: kept.key } : {}),
    });
  };
}

function poisonSource(record: KinesisStreamRecord, data: Uint8Array) {
  return {
    shardId: shardOf(record),
    sequenceNumber: record.kinesis.sequenceNumber,
    partitionKey: record.kinesis.partitionKey,
    arrivedAt: new Date(record.kinesis.approximateArrivalTimestamp * 1000),
    data,
    dataBase64: record.kinesis.data,
  };
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
    sns: snsClient(),
    dataBucket,
    resultsTopicArn: requireEnv('RESULTS_TOPIC_ARN'),
    poisonQueueUrl: requireEnv('POISON_QUEUE_URL'),
    atRiskSize: atRiskSizeFrom(process.env.AT_RISK_SIZE),
    resultsPerMessage: resultsPerMessageFrom(process.env.RESULTS_PER_MESSAGE),
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
