/**
 * Trends: keeps the site's data/trends.json up to date as predict batches write their parts
 * under predictions/trends/round=<R>/. S3 notifies a queue; the function reads it in batches
 * (an SQS event source mapping with a batching window), so a burst of parts costs a few
 * invocations, each counting every round its messages name once. For each round only the
 * parts written or rewritten since the round was last counted are read (by ETag, from the
 * round's ledger) and the round's point replaced. Every write is conditional on the version
 * read (trend-parts.ts), so two invocations at once are safe. The latest round's
 * least-likely users go to data/at-risk.json (AT_RISK_SIZE of them, default 1,000).
 *
 * A message that is not an S3 event is reported as failed, to reach the dead-letter queue
 * after its receives; S3's test message is consumed. The function also takes an S3 event
 * directly (`retention failures redrive` invokes it with one).
 */
import type { S3Event, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { readPartMessage, roundsOfS3Event } from '#core/prediction/trend-events.ts';
import { atRiskSizeFrom } from '#core/prediction/at-risk.ts';
import { countRound } from '#aws/prediction/trend-parts.ts';
import { requireEnv, s3Client } from '#aws/clients.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';

export interface TrendsDeps {
  readonly s3: S3Client;
  readonly dataBucket: string;
  readonly siteBucket: string;
  /** Users in data/at-risk.json at most (default 1,000). */
  readonly atRiskSize?: number;
  readonly logger?: Logger;
}

export interface TrendsResponse {
  /** Rounds whose point changed. */
  readonly rebuilt: number[];
  /** Rounds where nothing was new: an earlier update had counted every part. */
  readonly skipped: number[];
}

type TrendsEvent = SQSEvent | S3Event;

export function createTrendsHandler(deps: TrendsDeps) {
  const logger = deps.logger ?? new Logger({ serviceName: 'trends' });

  async function countRounds(rounds: readonly number[]) {
    const rebuilt: number[] = [];
    const skipped: number[] = [];
    const failed = new Map<number, Error>();
    for (const round of [...rounds].sort((a, b) => a - b)) {
      try {
        const counted = await countRound(deps.s3, deps.dataBucket, deps.siteBucket, round, new Date(), deps.atRiskSize);
        (counted.changed ? rebuilt : skipped).push(round);
        if (counted.changed) logger.info('trends round counted', { round, point: counted.point });
      } catch (error) {
        logger.error('trends round failed', { round, error: error as Error });
        failed.set(round, error as Error);
      }
    }
    return { rebuilt, skipped, failed };
  }

  async function fromQueue(records: readonly SQSRecord[]): Promise<SQSBatchResponse> {
    const failures = new Set<string>();
    const messagesOfRound = new Map<number, string[]>();
    for (const record of records) {
      const message = readPartMessage(record.body);
      if (message.kind === 'invalid') {
        logger.error('not a trend-part notification: left to the dead-letter queue', {
          messageId: record.messageId,
          reason: message.reason,
        });
        failures.add(record.messageId);
      }
      if (message.kind !== 'parts') continue;
      for (const round of message.rounds) {
        const ids = messagesOfRound.get(round) ?? [];
        ids.push(record.messageId);
        messagesOfRound.set(round, ids);
      }
    }
    const { rebuilt, skipped, failed } = await countRounds([...messagesOfRound.keys()]);
    for (const round of failed.keys()) for (const id of messagesOfRound.get(round) ?? []) failures.add(id);
    logger.info('trends batch', { messages: records.length, rebuilt, skipped, failed: [...failed.keys()] });
    return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
  }

  async function fromS3(event: S3Event): Promise<TrendsResponse> {
    const { rebuilt, skipped, failed } = await countRounds(roundsOfS3Event(event));
    const [error] = failed.values();
    if (error) throw error;
    return { rebuilt, skipped };
  }

  return async function trends(event: TrendsEvent): Promise<SQSBatchResponse | TrendsResponse> {
    return isQueueEvent(event) ? fromQueue(event.Records) : fromS3(event);
  };
}

function isQueueEvent(event: TrendsEvent): event is SQSEvent {
  return (event.Records ?? []).some((r) => (r as Partial<SQSRecord>).eventSource === 'aws:sqs');
}

function trendsDepsFromEnv(): TrendsDeps {
  return {
    s3: s3Client(),
    dataBucket: requireEnv('DATA_BUCKET'),
    siteBucket: requireEnv('SITE_BUCKET'),
    atRiskSize: atRiskSizeFrom(process.env.AT_RISK_SIZE),
  };
}

export const handler = lazyHandler(() => createTrendsHandler(trendsDepsFromEnv()));
