/**
 * A week's extracted features for the producer: every part's features.tsv[.gz] under
 * extracted/week=<W>/ in the data bucket (merged as training merges them), or a local file.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { readBytes } from '#core/storage/reads.ts';
import { mergeFeatureTables, parseFeaturesTsv } from '#core/training/features-table.ts';
import { extractedPrefix } from '#core/training/keys.ts';
import { userFeaturesFromTable, type UserFeatures } from '#core/prediction/features-records.ts';
import type { WeekId } from '#core/weeks.ts';
import { listFolders } from '#aws/s3-list.ts';
import { s3Store } from '#aws/s3-store.ts';

export async function readWeekFeaturesFromS3(s3: S3Client, bucket: string, week: WeekId): Promise<UserFeatures[]> {
  const store = s3Store(s3, bucket);
  const keys = (await store.list(extractedPrefix(week)))
    .map((o) => o.key)
    .filter((key) => /\/features\.tsv(\.gz)?$/.test(key));
  if (keys.length === 0)
    throw new Error(`no features for week ${week} in s3://${bucket}/${extractedPrefix(week)} (extract the week first)`);
  const tables = await Promise.all(
    keys.map(async (key) => parseFeaturesTsv(new TextDecoder().decode(await readBytes(store, key)), store.where(key))),
  );
  return userFeaturesFromTable(mergeFeatureTables(tables));
}

export async function readWeekFeaturesFromFile(path: string): Promise<UserFeatures[]> {
  const bytes = await readFile(path);
  const text = new TextDecoder().decode(path.endsWith('.gz') ? gunzipSync(bytes) : bytes);
  return userFeaturesFromTable(parseFeaturesTsv(text, path));
}

/** The round after the highest one already counted under predictions/trends/, or 0. */
export async function nextRound(s3: S3Client, bucket: string): Promise<number> {
  let highest = -1;
  for (const folder of await listFolders(s3, bucket, 'predictions/trends/')) {
    const m = /round=(\d+)\/$/.exec(folder);
    if (m) highest = Math.max(highest, Number(m[1]));
  }
  return highest + 1;
}
