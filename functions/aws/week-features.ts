/**
 * A week's extracted features for the producer: every part's features.tsv[.gz] under
 * extracted/week=<W>/ in the data bucket (merged as training merges them), or a local file.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { mergeFeatureTables, parseFeaturesTsv } from '../core/training/features-table.ts';
import { extractedPrefix } from '../core/training/keys.ts';
import { userFeaturesFromTable, type UserFeatures } from '../core/prediction/features-records.ts';
import type { WeekId } from '../core/weeks.ts';

const text = (bytes: Uint8Array, name: string) =>
  new TextDecoder().decode(name.endsWith('.gz') ? gunzipSync(bytes) : bytes);

export async function readWeekFeaturesFromS3(s3: S3Client, bucket: string, week: WeekId): Promise<UserFeatures[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: extractedPrefix(week), ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (/\/features\.tsv(\.gz)?$/.test(o.Key!)) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  if (keys.length === 0)
    throw new Error(`no features for week ${week} in s3://${bucket}/${extractedPrefix(week)} (extract the week first)`);
  keys.sort();
  const tables = await Promise.all(
    keys.map(async (key) => {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return parseFeaturesTsv(text(await got.Body!.transformToByteArray(), key), `s3://${bucket}/${key}`);
    }),
  );
  return userFeaturesFromTable(mergeFeatureTables(tables));
}

export async function readWeekFeaturesFromFile(path: string): Promise<UserFeatures[]> {
  return userFeaturesFromTable(parseFeaturesTsv(text(await readFile(path), path), path));
}

/** The round after the highest one already counted under predictions/trends/, or 0. */
export async function nextRound(s3: S3Client, bucket: string): Promise<number> {
  let highest = -1;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: 'predictions/trends/',
        Delimiter: '/',
        ContinuationToken: token,
      }),
    );
    for (const p of page.CommonPrefixes ?? []) {
      const m = /round=(\d+)\/$/.exec(p.Prefix ?? '');
      if (m) highest = Math.max(highest, Number(m[1]));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return highest + 1;
}
