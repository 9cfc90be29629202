/**
 * Read-modify-write of one S3 object that two writers may race on: read it with its ETag,
 * then write only if it is still that version (If-Match), or still absent (If-None-Match: *).
 * A refused condition comes back as `undefined` for the caller to read again and retry.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isS3Missing } from '#aws/s3-missing.ts';
import { isS3ConditionalConflict, isS3NotFound, isS3PreconditionFailed } from '#aws/s3-errors.ts';

interface Versioned<T> {
  readonly value: T;
  readonly eTag: string;
}

/** The object parsed as JSON with its ETag; undefined when there is none. */
export async function getVersionedJson<T>(s3: S3Client, bucket: string, key: string) {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!got.Body) throw new Error(`s3://${bucket}/${key}: empty response body`);
    const value = JSON.parse(await got.Body.transformToString()) as T;
    return { value, eTag: got.ETag ?? '' } satisfies Versioned<T>;
  } catch (error) {
    if (await isS3Missing(s3, bucket, key, error)) return undefined;
    throw error;
  }
}

/** The object's ETag and metadata; undefined when there is none. */
export async function headVersion(s3: S3Client, bucket: string, key: string) {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { eTag: head.ETag ?? '', metadata: head.Metadata ?? {} };
  } catch (error) {
    if (await isS3Missing(s3, bucket, key, error)) return undefined;
    throw error;
  }
}

export interface VersionedPut {
  readonly bucket: string;
  readonly key: string;
  readonly body: string;
  /** The version read (undefined: there was none, so the key must still be absent). */
  readonly expected: string | undefined;
  readonly cacheControl?: string;
  readonly metadata?: Record<string, string>;
}

/** Writes if the object is still the version read; the new ETag, or undefined when another writer came first. */
export async function putIfUnchanged(s3: S3Client, put: VersionedPut): Promise<string | undefined> {
  try {
    const written = await s3.send(
      new PutObjectCommand({
        Bucket: put.bucket,
        Key: put.key,
        Body: put.body,
        ContentType: 'application/json',
        ...(put.cacheControl ? { CacheControl: put.cacheControl } : {}),
        ...(put.metadata ? { Metadata: put.metadata } : {}),
        ...(put.expected === undefined ? { IfNoneMatch: '*' } : { IfMatch: put.expected }),
      }),
    );
    return written.ETag ?? '';
  } catch (error) {
    if (lostRace(error)) return undefined;
    throw error;
  }
}

/** 412: changed since read; 409: written meanwhile; 404 on If-Match: deleted since read. */
const lostRace = (error: unknown) =>
  isS3PreconditionFailed(error) || isS3ConditionalConflict(error) || isS3NotFound(error);

/** Runs `attempt` until it returns a value (undefined: it lost a race and must read again). */
export async function retryRaces<T>(what: string, attempt: () => Promise<T | undefined>, limit = 20): Promise<T> {
  for (let i = 0; i < limit; i++) {
    const done = await attempt();
    if (done !== undefined) return done;
    // A little jitter so two writers that keep colliding fall out of step.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (i + 1)));
  }
  throw new Error(`${what}: still losing to concurrent writers after ${limit} attempts`);
}
