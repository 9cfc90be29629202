/**
 * The S3 side of trends: a batch's part per round; one round's point in trends.json brought
 * up to date from the parts that changed since it was last counted (trends.json built from
 * all parts the first time), and the round's at-risk list with it (at-risk-document.ts).
 * Every read-modify-write is conditional on the version read (s3-versioned.ts), so two
 * invocations of the trends Lambda may run at once.
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
  type TrendPart,
  type TrendsDocument,
} from '#core/prediction/trends.ts';
import { DEFAULT_AT_RISK_SIZE } from '#core/prediction/at-risk.ts';
import { writeAtRisk } from './at-risk-document.ts';
import { listKeys, listObjects } from '#aws/s3-list.ts';
import { getVersionedJson, headVersion, putIfUnchanged, retryRaces } from './s3-versioned.ts';

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

/** trends.json from every part under predictions/trends/ (the first update, or one over an unreadable document). */
async function trendsFromAllParts(s3: S3Client, dataBucket: string, now: Date): Promise<TrendsDocument> {
  return mergeTrends(await readParts(s3, dataBucket, TRENDS_PREFIX), now);
}

/** Reads every part under predictions/trends/ and writes the site's data/trends.json. */
export async function rebuildTrends(
  s3: S3Client,
  dataBucket: string,
  siteBucket: string,
  now = new Date(),
): Promise<TrendsDocument> {
  const document = await trendsFromAllParts(s3, dataBucket, now);
  await s3.send(
    new PutObjectCommand({
      Bucket: siteBucket,
      Key: SITE_TRENDS_KEY,
      Body: trendsBody(document),
      ContentType: 'application/json',
      CacheControl: 'no-cache',
    }),
  );
  return document;
}

const trendsBody = (document: TrendsDocument) => JSON.stringify(document, null, 2) + '\n';

export interface RoundCounted {
  /** True when trends.json's point for the round changed (false: every part was already counted). */
  readonly changed: boolean;
  readonly point: RoundCount;
  /** True when data/at-risk.json was written (the round is the latest and its list changed). */
  readonly atRiskWritten: boolean;
}

/**
 * Brings one round's point in trends.json up to date: lists the round's parts, reads only
 * those whose ETag the round's ledger does not hold, and commits the ledger; then replaces
 * the round's point in trends.json by the ledger's sum (a full rebuild when there is no
 * trends.json yet) and, when the round is the latest, writes the at-risk list.
 *
 * Two invocations may run at once (the mapping's maximum concurrency is 2), so every write
 * is conditional on the version read: a ledger commit that loses starts the round again;
 * trends.json is re-read and its point replaced again. Once its documents are written the
 * attempt checks that the ledger is still the one it counted from: if another invocation
 * committed since, what this one wrote may be older, so it goes again. The last committer's
 * figures are therefore the ones left. A failure after the commit is healed by the next
 * event or retry: the point and the list are compared with the ledger, not with what was read.
 */
export async function countRound(
  s3: S3Client,
  dataBucket: string,
  siteBucket: string,
  round: number,
  now = new Date(),
  atRiskSize = DEFAULT_AT_RISK_SIZE,
): Promise<RoundCounted> {
  const buckets = { dataBucket, siteBucket };
  return retryRaces(`round ${round}`, () => countRoundOnce(s3, buckets, round, now, atRiskSize));
}

async function countRoundOnce(
  s3: S3Client,
  buckets: { readonly dataBucket: string; readonly siteBucket: string },
  round: number,
  now: Date,
  atRiskSize: number,
): Promise<RoundCounted | undefined> {
  const { dataBucket, siteBucket } = buckets;
  const ledgerKey = roundLedgerKey(round);
  const [stored, listed] = await Promise.all([
    getVersionedJson<unknown>(s3, dataBucket, ledgerKey),
    listObjects(s3, dataBucket, `${TRENDS_PREFIX}round=${round}/`),
  ]);
  const ledger = ledgerFrom(stored?.value, round);
  const parts = listed.filter((o) => o.key.endsWith('.json'));
  const keys = parts.map((o) => o.key);
  const changedKeys = partsToRead(ledger, parts);
  const whole = needsWholeRound(ledger, keys, changedKeys);
  const read = await readPartsWithTags(s3, dataBucket, whole ? keys : changedKeys);
  const updated = updateLedger(whole ? emptyLedger(round) : ledger, keys, read, atRiskSize);
  const dropped = Object.keys(ledger.parts).some((key) => updated.parts[key] === undefined);
  let ledgerETag = stored?.eTag;
  if (read.length > 0 || dropped) {
    const body = JSON.stringify(updated);
    ledgerETag = await putIfUnchanged(s3, { bucket: dataBucket, key: ledgerKey, body, expected: stored?.eTag });
    if (ledgerETag === undefined) return undefined; // another invocation committed the round first
  }
  const point = ledgerTotal(updated);
  const shown = await replacePoint(s3, buckets, point, now);
  const source = { ledger: updated, ledgerETag: ledgerETag ?? '', point };
  const atRiskWritten = round === shown.latest && (await writeAtRisk(s3, siteBucket, source, atRiskSize, now));
  // Another invocation committed the round after this one: what this one wrote may be older.
  if ((await headVersion(s3, dataBucket, ledgerKey))?.eTag !== ledgerETag) return undefined;
  return { changed: shown.changed, point, atRiskWritten };
}

/** Replaces the round's point in trends.json (re-reading it when another writer came first). */
async function replacePoint(
  s3: S3Client,
  buckets: { readonly dataBucket: string; readonly siteBucket: string },
  point: RoundCount,
  now: Date,
): Promise<{ changed: boolean; latest: number }> {
  return retryRaces(SITE_TRENDS_KEY, async () => {
    const stored = await getVersionedJson<TrendsDocument>(s3, buckets.siteBucket, SITE_TRENDS_KEY);
    const current = stored?.value;
    const valid = current?.formatVersion === 1 && Array.isArray(current.rounds);
    const shown = valid ? current.rounds.find((r) => r.round === point.round) : undefined;
    const latest = (rounds: readonly RoundCount[]) => Math.max(point.round, ...rounds.map((r) => r.round));
    if (valid && samePoint(shown, point)) return { changed: false, latest: latest(current.rounds) };
    const document = valid ? withRound(current, point, now) : await trendsFromAllParts(s3, buckets.dataBucket, now);
    const written = await putIfUnchanged(s3, {
      bucket: buckets.siteBucket,
      key: SITE_TRENDS_KEY,
      body: trendsBody(document),
      expected: stored?.eTag,
      cacheControl: 'no-cache',
    });
    return written === undefined ? undefined : { changed: true, latest: latest(document.rounds) };
  });
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

async function getText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!got.Body) throw new Error(`s3://${bucket}/${key}: empty response body`);
  return got.Body.transformToString();
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
