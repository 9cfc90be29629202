/**
 * The S3 side of trends: a batch's part per round; trends.json rebuilt from all parts, or
 * one round recounted from its own parts and replaced in trends.json (the trends Lambda runs
 * one at a time, so that read-modify-write does not race).
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  SITE_TRENDS_KEY,
  TRENDS_PREFIX,
  mergeTrends,
  parseTrendPart,
  roundRebuiltKey,
  trendPartKey,
  withRound,
  type TrendPart,
  type TrendsDocument,
} from '#core/prediction/trends.ts';
import { listKeys } from '#aws/s3-list.ts';

export async function writeTrendParts(s3: S3Client, bucket: string, parts: readonly TrendPart[]): Promise<string[]> {
  const keys: string[] = [];
  await Promise.all(
    parts.map(async (part) => {
      const key = trendPartKey(part.round, part.shardId, part.firstSequenceNumber);
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(part), ContentType: 'application/json' }),
      );
      keys.push(key);
    }),
  );
  return keys.sort();
}

/** Reads every part under predictions/trends/ and writes the site's data/trends.json. */
export async function rebuildTrends(
  s3: S3Client,
  dataBucket: string,
  siteBucket: string,
  now = new Date(),
): Promise<TrendsDocument> {
  const document = mergeTrends(await readParts(s3, dataBucket, TRENDS_PREFIX), now);
  await writeTrends(s3, siteBucket, document);
  return document;
}

/**
 * Recounts one round from its parts and replaces its point in trends.json (a full rebuild
 * when there is no trends.json yet). Notes the recount's start for `roundRebuiltAt`.
 */
export async function rebuildRound(
  s3: S3Client,
  dataBucket: string,
  siteBucket: string,
  round: number,
  now = new Date(),
): Promise<TrendsDocument> {
  const current = await getJson<TrendsDocument>(s3, siteBucket, SITE_TRENDS_KEY);
  let document: TrendsDocument;
  if (!current || current.formatVersion !== 1 || !Array.isArray(current.rounds)) {
    document = await rebuildTrends(s3, dataBucket, siteBucket, now);
  } else {
    const [point] = mergeTrends(await readParts(s3, dataBucket, `${TRENDS_PREFIX}round=${round}/`), now).rounds;
    document = withRound(current, point ?? { round, scored: 0, retained: 0 }, now);
    await writeTrends(s3, siteBucket, document);
  }
  // Noted only once trends.json holds the recount, with the time before its listing began.
  await s3.send(
    new PutObjectCommand({
      Bucket: dataBucket,
      Key: roundRebuiltKey(round),
      Body: JSON.stringify({ round, startedAt: now.toISOString() }),
      ContentType: 'application/json',
    }),
  );
  return document;
}

/** When the last recount of `round` started (ms), if it ever ran. */
export async function roundRebuiltAt(s3: S3Client, dataBucket: string, round: number): Promise<number | undefined> {
  const marker = await getJson<{ startedAt?: string }>(s3, dataBucket, roundRebuiltKey(round));
  const at = marker?.startedAt ? Date.parse(marker.startedAt) : NaN;
  return Number.isFinite(at) ? at : undefined;
}

async function readParts(s3: S3Client, bucket: string, prefix: string): Promise<TrendPart[]> {
  const keys = (await listKeys(s3, bucket, prefix)).filter((key) => key.endsWith('.json'));
  return mapLimit(keys, 16, async (key) => parseTrendPart(await getText(s3, bucket, key), key));
}

async function writeTrends(s3: S3Client, siteBucket: string, document: TrendsDocument): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: siteBucket,
      Key: SITE_TRENDS_KEY,
      Body: JSON.stringify(document, null, 2) + '\n',
      ContentType: 'application/json',
      CacheControl: 'no-cache',
    }),
  );
}

async function getText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!got.Body) throw new Error(`s3://${bucket}/${key}: empty response body`);
  return got.Body.transformToString();
}

async function getJson<T>(s3: S3Client, bucket: string, key: string): Promise<T | undefined> {
  try {
    return JSON.parse(await getText(s3, bucket, key)) as T;
  } catch (error) {
    if (
      error instanceof NoSuchKey ||
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
    )
      return undefined;
    throw error;
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  // The workers share one iterator: each takes the next item when it is free.
  const queue = items.entries();
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (const [i, item] of queue) out[i] = await fn(item);
    }),
  );
  return out;
}
