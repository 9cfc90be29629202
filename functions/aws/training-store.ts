/**
 * The S3 reads and writes of the training flow: whole objects as text or bytes (gunzipped
 * when the key ends in .gz), listings, and writes that refuse to replace an immutable
 * object with different content.
 */
import { gunzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

export interface ListedObject {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

const MULTIPART_FROM = 8 * 2 ** 20;

export class TrainingStore {
  readonly s3: S3Client;
  constructor(s3: S3Client = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) })) {
    this.s3 = s3;
  }

  async getBytes(bucket: string, key: string): Promise<Uint8Array> {
    const response = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await response.Body!.transformToByteArray();
    return key.endsWith('.gz') ? new Uint8Array(gunzipSync(bytes)) : bytes;
  }

  async getText(bucket: string, key: string): Promise<string> {
    return new TextDecoder().decode(await this.getBytes(bucket, key));
  }

  /** The object's text, or undefined when it does not exist. */
  async getTextIfExists(bucket: string, key: string): Promise<string | undefined> {
    try {
      return await this.getText(bucket, key);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async list(bucket: string, prefix: string): Promise<ListedObject[]> {
    const found: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? [])
        found.push({ key: o.Key!, etag: (o.ETag ?? '').replaceAll('"', ''), size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  /** Large bodies go up in 8 MiB parts (a prepared 1M-user set is ~50 MB). */
  async put(bucket: string, key: string, body: string | Uint8Array, contentType = 'application/json'): Promise<void> {
    if (body.length <= MULTIPART_FROM) {
      await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
      return;
    }
    await new Upload({
      client: this.s3,
      params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
      partSize: MULTIPART_FROM,
      queueSize: 4,
    }).done();
  }

  /**
   * Writes an object that must never change once written: an identical existing object is
   * left alone (a retried Publish), a different one is an error.
   */
  async putImmutable(bucket: string, key: string, body: string): Promise<'written' | 'unchanged'> {
    const existing = await this.getTextIfExists(bucket, key);
    if (existing === undefined) {
      await this.put(bucket, key, body);
      return 'written';
    }
    if (existing === body) return 'unchanged';
    throw new ImmutableObjectError(
      `s3://${bucket}/${key} already exists with other content; published versions are immutable`,
    );
  }
}

export class ImmutableObjectError extends Error {
  override readonly name = 'ImmutableObjectError';
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof NoSuchKey ||
    error instanceof NotFound ||
    (error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey'))
  );
}

/** A required setting from the environment, with a message that names it. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
