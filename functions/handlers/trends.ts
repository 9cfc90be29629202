/**
 * Trends: rebuilds the site's data/trends.json from every batch's part under
 * predictions/trends/ when a part is written (S3 notification, reserved concurrency 1 so
 * rebuilds never race). Parts written while a rebuild ran queue up behind it; a queued event
 * whose part is older than the last rebuild's start is skipped, because that rebuild listed
 * it already, so a burst of parts costs a few rebuilds, not one per part.
 */
import type { S3Event } from 'aws-lambda';
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { SITE_TRENDS_KEY, type TrendsDocument } from '../core/prediction/trends.ts';
import { rebuildTrends } from '../aws/trend-parts.ts';
import { requireEnv, s3Client } from '../aws/clients.ts';

const logger = new Logger({ serviceName: 'trends' });
let s3: S3Client | undefined;

export async function handler(event: S3Event): Promise<{ rebuilt: boolean; rounds?: number }> {
  s3 ??= s3Client();
  return rebuildIfNewer(s3, requireEnv('DATA_BUCKET'), requireEnv('SITE_BUCKET'), event);
}

export async function rebuildIfNewer(s3: S3Client, dataBucket: string, siteBucket: string, event: S3Event) {
  const newest = Math.max(...(event.Records ?? []).map((r) => Date.parse(r.eventTime)).filter(Number.isFinite));
  const last = await lastRebuild(s3, siteBucket);
  if (last !== undefined && Number.isFinite(newest) && newest < last) {
    return { rebuilt: false };
  }
  const document = await rebuildTrends(s3, dataBucket, siteBucket, new Date());
  logger.info('trends rebuilt', { rounds: document.rounds.length });
  return { rebuilt: true, rounds: document.rounds.length };
}

/** When the current trends.json started being built (its updatedAt), if there is one. */
async function lastRebuild(s3: S3Client, bucket: string): Promise<number | undefined> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: SITE_TRENDS_KEY }));
    const document = JSON.parse(await got.Body!.transformToString()) as TrendsDocument;
    const at = Date.parse(document.updatedAt);
    return Number.isFinite(at) ? at : undefined;
  } catch (error) {
    if (error instanceof NoSuchKey || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw error;
  }
}
