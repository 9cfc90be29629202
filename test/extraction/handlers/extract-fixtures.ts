/**
 * Shared pieces of the extract/rejoin handler tests: emulated S3 (fauxqs) reached through
 * the real SDK, S3Events shaped as AWS sends them, and small weeks of event lines.
 */
import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { s3Client } from '#aws/clients.ts';
import { listKeys } from '#aws/s3-list.ts';
import { weekSpan } from '#core/weeks.ts';
import { buildS3Event } from '#infra/local/s3-event.ts';
import { pointSdkAtEmulators, s3ClientConfig, startEmulators, type Emulators } from '#test/support/emulators.ts';
import { defined } from '#test/support/defined.ts';

export interface S3Fixture {
  readonly emulators: Emulators;
  readonly s3: S3Client;
  readonly bucket: string;
  put(key: string, body: string | Uint8Array): Promise<void>;
  text(key: string): Promise<string>;
  keys(prefix: string): Promise<string[]>;
  /** The S3Event AWS would send for that key (URL-encoded key, size, the ETag of its last put here). */
  event(key: string, size?: number): S3Event;
  /** The same helpers on another (new) bucket of the same emulator. */
  otherBucket(name: string): Promise<S3Fixture>;
  stop(): Promise<void>;
}

export async function startS3Fixture(bucket: string): Promise<S3Fixture> {
  const emulators = await startEmulators();
  const restoreEnv = pointSdkAtEmulators(emulators);
  const { endpoint: _endpoint, ...config } = s3ClientConfig(emulators);
  // The factory the handlers use: it must add path-style addressing from AWS_ENDPOINT_URL_S3 alone.
  const s3 = s3Client({ region: config.region, credentials: config.credentials });
  const stop = async () => {
    s3.destroy();
    restoreEnv();
    await emulators.stop();
  };
  return fixtureOn(emulators, s3, bucket, stop);
}

async function fixtureOn(
  emulators: Emulators,
  s3: S3Client,
  bucket: string,
  stop: () => Promise<void>,
): Promise<S3Fixture> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const etags = new Map<string, string>();
  return {
    emulators,
    s3,
    bucket,
    async put(key, body) {
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      etags.set(key, put.ETag ?? '');
    },
    async text(key) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = await defined(got.Body, `the body of ${key}`).transformToByteArray();
      return new TextDecoder().decode(key.endsWith('.gz') ? gunzipSync(bytes) : bytes);
    },
    keys: (prefix) => listKeys(s3, bucket, prefix),
    event(key, size = 0) {
      return buildS3Event({
        region: emulators.region,
        bucket,
        key,
        size,
        eTag: etags.get(key) ?? '',
        at: Date.now(),
      }) as unknown as S3Event;
    },
    otherBucket: (name) => fixtureOn(emulators, s3, name, async () => {}),
    stop,
  };
}

/** One event line of numbered week `week` (counted from 2017-W19), `offset` seconds into it. */
export function eventLine(
  week: string,
  user: number,
  company: number,
  platform: string,
  type: string,
  offset: number,
  firstEvent = 0,
): string {
  const { start } = weekSpan(week);
  return `${user + 1000}\t${user}\t${company}\t${platform}\t${start + offset}\t${type}\t${firstEvent}`;
}

export const CRM = '0\tBANK\tUS-CA\tGOOGLE\n1\tHEALTH\tCN-BJ\tTWITTER\n';
export const PROFILES = '10\t0\t30\n11\t1\t45\n12\t0\t22\n';

export const featureRows = (tsv: string) =>
  tsv
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'));
