/**
 * The S3 side of trends: a batch's part per round; trends.json rebuilt from all parts, or
 * one round's point brought up to date from the parts that changed since it was last counted
 * (the trends Lambda runs one at a time, so that read-modify-write does not race), and the
 * round's at-risk list with it (at-risk-document.ts).
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  SITE_TRENDS_KEY,
  TRENDS_PREFIX,
  emptyLedger,
  ledgerFrom,
  ledgerTotal,
  mergeTrends,
  needsWholeRound,
  parseTrendPart,
  partsToRead,
  roundLedgerKey,
  samePoint,
  trendPartKey,
  updateLedger,
  withRound,
  type RoundCount,
  type RoundLedger,
  type TrendPart,
  type TrendsDocument,
} from '#core/prediction/trends.ts';
import { DEFAULT_AT_RISK_SIZE } from '#core/prediction/at-risk.ts';
import { writeAtRisk } from './at-risk-document.ts';
import { listKeys, listObjects } from '#aws/s3-list.ts';
import { isS3Missing } from '#aws/s3-missing.ts';

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

export interface RoundCounted {
  /** True when trends.json's point for the round changed (false: every part was already counted). */
  readonly changed: boolean;
  readonly point: RoundCount;
  /** True when data/at-risk.json was written (the round is the latest and its list was merged again). */
  readonly atRiskWritten: boolean;
}

/**
 * Brings one round's point in trends.json up to date: lists the round's parts, reads only
 * those whose ETag the round's ledger does not hold, and replaces the point by the ledger's
 * sum (a full rebuild when there is no trends.json yet); then the at-risk list, when the
 * round is the latest. Both are written before the ledger, so a retry after a failure in
 * between reads the same parts again and writes the same point and list: the update is
 * idempotent.
 */
export async function countRound(
  s3: S3Client,
  dataBucket: string,
  siteBucket: string,
  round: number,
  now = new Date(),
  atRiskSize = DEFAULT_AT_RISK_SIZE,
): Promise<RoundCounted> {
  const [current, ledger, listed] = await Promise.all([
    getJson<TrendsDocument>(s3, siteBucket, SITE_TRENDS_KEY),
    readLedger(s3, dataBucket, round),
    listObjects(s3, dataBucket, `${TRENDS_PREFIX}round=${round}/`),
  ]);
  const parts = listed.filter((o) => o.key.endsWith('.json'));
  const keys = parts.map((o) => o.key);
  const changedKeys = partsToRead(ledger, parts);
  const whole = needsWholeRound(ledger, keys, changedKeys);
  const read = await readPartsWithTags(s3, dataBucket, whole ? keys : changedKeys);
  const updated = updateLedger(whole ? emptyLedger(round) : ledger, keys, read, atRiskSize);
  const point = ledgerTotal(updated);
  const valid = current?.formatVersion === 1 && Array.isArray(current.rounds);
  const shown = valid ? current.rounds.find((r) => r.round === round) : undefined;
  const changed = !samePoint(shown, point);
  let trends = valid ? current : undefined;
  if (changed && trends) await writeTrends(s3, siteBucket, (trends = withRound(trends, point, now)));
  else if (changed) trends = await rebuildTrends(s3, dataBucket, siteBucket, now);
  const dropped = Object.keys(ledger.parts).some((key) => updated.parts[key] === undefined);
  const latest = Math.max(round, ...(trends?.rounds.map((r) => r.round) ?? []));
  const atRiskWritten = (read.length > 0 || dropped) && round === latest;
  if (atRiskWritten) await writeAtRisk(s3, siteBucket, updated, point, atRiskSize, now);
  if (read.length > 0 || dropped)
    await s3.send(
      new PutObjectCommand({
        Bucket: dataBucket,
        Key: roundLedgerKey(round),
        Body: JSON.stringify(updated),
        ContentType: 'application/json',
      }),
    );
  return { changed, point, atRiskWritten };
}

async function readLedger(s3: S3Client, dataBucket: string, round: number): Promise<RoundLedger> {
  return ledgerFrom(await getJson<unknown>(s3, dataBucket, roundLedgerKey(round)), round);
}

/** The parts with the ETag of the version read (a part rewritten after the listing is counted as read). */
async function readPartsWithTags(s3: S3Client, bucket: string, keys: readonly string[]) {
  return mapLimit(keys, 16, async (key) => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!got.Body) throw new Error(`s3://${bucket}/${key}: empty response body`);
    return { key, eTag: got.ETag ?? '', part: parseTrendPart(await got.Body.transformToString(), key) };
  });
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
    if (await isS3Missing(s3, bucket, key, error)) return undefined;
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
