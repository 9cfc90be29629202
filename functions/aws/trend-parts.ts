/** The S3 side of trends: a batch's part per round, and trends.json rebuilt from all parts. */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SITE_TRENDS_KEY, TRENDS_PREFIX, mergeTrends, parseTrendPart, type TrendPart, type TrendsDocument } from '../core/prediction/trends.ts';
import { trendPartKey } from '../core/prediction/trends.ts';

export async function writeTrendParts(s3: S3Client, bucket: string, parts: readonly TrendPart[]): Promise<string[]> {
  const keys: string[] = [];
  await Promise.all(
    parts.map(async (part) => {
      const key = trendPartKey(part.round, part.shardId, part.firstSequenceNumber);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(part), ContentType: 'application/json' }));
      keys.push(key);
    }),
  );
  return keys.sort();
}

/** Reads every part under predictions/trends/ and writes the site's data/trends.json. */
export async function rebuildTrends(s3: S3Client, dataBucket: string, siteBucket: string, now = new Date()): Promise<TrendsDocument> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: dataBucket, Prefix: TRENDS_PREFIX, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key!.endsWith('.json')) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const parts = await mapLimit(keys, 16, async (key) => {
    const got = await s3.send(new GetObjectCommand({ Bucket: dataBucket, Key: key }));
    return parseTrendPart(await got.Body!.transformToString(), key);
  });
  const document = mergeTrends(parts, now);
  await s3.send(new PutObjectCommand({
    Bucket: siteBucket,
    Key: SITE_TRENDS_KEY,
    Body: JSON.stringify(document, null, 2) + '\n',
    ContentType: 'application/json',
    CacheControl: 'no-cache',
  }));
  return document;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}
