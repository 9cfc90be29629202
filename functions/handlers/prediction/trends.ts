/**
 * Trends: keeps the site's data/trends.json up to date as predict batches write their parts
 * under predictions/trends/round=<R>/ (S3 notification; reserved concurrency 1, so updates
 * of trends.json never race). For each round an event names, only the parts written or
 * rewritten since the round was last counted are read (by ETag, from the round's ledger)
 * and the round's point replaced: events queued behind one update find nothing new and
 * cost a listing, so a burst of N parts reads each part about once. The latest round's
 * least-likely users go to data/at-risk.json (AT_RISK_SIZE of them, default 1,000).
 */
import type { S3Event } from 'aws-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { decodeEventKey, roundOfPartKey } from '#core/prediction/trends.ts';
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

export function createTrendsHandler(deps: TrendsDeps) {
  const logger = deps.logger ?? new Logger({ serviceName: 'trends' });
  return async function trends(event: S3Event): Promise<TrendsResponse> {
    const rebuilt: number[] = [];
    const skipped: number[] = [];
    for (const round of roundsOf(event)) {
      const counted = await countRound(deps.s3, deps.dataBucket, deps.siteBucket, round, new Date(), deps.atRiskSize);
      if (!counted.changed) {
        skipped.push(round);
        continue;
      }
      rebuilt.push(round);
      logger.info('trends round counted', { round, point: counted.point });
    }
    return { rebuilt, skipped };
  };
}

/** The rounds of the parts the event names, ascending. */
function roundsOf(event: S3Event): number[] {
  const rounds = new Set<number>();
  for (const record of event.Records ?? []) {
    const round = roundOfPartKey(decodeEventKey(record.s3.object.key));
    if (round !== undefined) rounds.add(round);
  }
  return [...rounds].sort((a, b) => a - b);
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
