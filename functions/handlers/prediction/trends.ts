/**
 * Trends: keeps the site's data/trends.json up to date as predict batches write their parts
 * under predictions/trends/round=<R>/ (S3 notification; reserved concurrency 1, so updates
 * of trends.json never race). For each round an event names, the round is recounted from its
 * own parts and its point replaced, so the cost does not grow with the number of rounds.
 * An event whose part was written before the round's last recount started is skipped (that
 * recount listed it): a burst of parts queued behind one recount costs one more, not one each.
 */
import type { S3Event } from 'aws-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { CLOCK_MARGIN_MS, decodeEventKey, roundOfPartKey } from '#core/prediction/trends.ts';
import { rebuildRound, roundRebuiltAt } from '#aws/prediction/trend-parts.ts';
import { requireEnv, s3Client } from '#aws/clients.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';

export interface TrendsDeps {
  readonly s3: S3Client;
  readonly dataBucket: string;
  readonly siteBucket: string;
  readonly logger?: Logger;
}

export interface TrendsResponse {
  readonly rebuilt: number[];
  readonly skipped: number[];
}

export function createTrendsHandler(deps: TrendsDeps) {
  const logger = deps.logger ?? new Logger({ serviceName: 'trends' });
  return async function trends(event: S3Event): Promise<TrendsResponse> {
    const rebuilt: number[] = [];
    const skipped: number[] = [];
    for (const [round, writtenAt] of newestPartPerRound(event)) {
      const last = await roundRebuiltAt(deps.s3, deps.dataBucket, round);
      if (last !== undefined && writtenAt < last - CLOCK_MARGIN_MS) {
        skipped.push(round);
        continue;
      }
      const document = await rebuildRound(deps.s3, deps.dataBucket, deps.siteBucket, round, new Date());
      rebuilt.push(round);
      logger.info('trends round recounted', { round, point: document.rounds.find((r) => r.round === round) });
    }
    return { rebuilt, skipped };
  };
}

/** When the newest part of each round the event names was written, rounds in order. */
function newestPartPerRound(event: S3Event): [round: number, writtenAt: number][] {
  const newest = new Map<number, number>();
  for (const record of event.Records ?? []) {
    const round = roundOfPartKey(decodeEventKey(record.s3.object.key));
    if (round === undefined) continue;
    const at = Date.parse(record.eventTime);
    newest.set(round, Math.max(newest.get(round) ?? -Infinity, Number.isFinite(at) ? at : Infinity));
  }
  return [...newest].sort((a, b) => a[0] - b[0]);
}

function trendsDepsFromEnv(): TrendsDeps {
  return { s3: s3Client(), dataBucket: requireEnv('DATA_BUCKET'), siteBucket: requireEnv('SITE_BUCKET') };
}

export const handler = lazyHandler(() => createTrendsHandler(trendsDepsFromEnv()));
