/**
 * Writing S3 objects: small documents in one PUT, big outputs streamed as a multipart upload
 * (@aws-sdk/lib-storage) from text pieces, gzipped on the way when asked, so no output is
 * ever held whole in memory.
 */
import { PassThrough, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describeS3Error, s3Url, type ObjectRef } from './s3-read.ts';

export class ObjectWriteError extends Error {
  readonly key: string;
  constructor(ref: ObjectRef, reason: string, cause?: unknown) {
    super(`writing ${s3Url(ref)}: ${reason}`, { cause });
    this.name = 'ObjectWriteError';
    this.key = ref.key;
  }
}

export const contentTypeOf = (key: string): string =>
  key.endsWith('.gz')
    ? 'application/gzip'
    : key.endsWith('.json')
      ? 'application/json'
      : key.endsWith('.jsonl')
        ? 'application/x-ndjson'
        : key.endsWith('.tsv')
          ? 'text/tab-separated-values; charset=utf-8'
          : 'text/plain; charset=utf-8';

/** One PUT of a small document (a manifest, a marker). */
export async function putObject(
  s3: S3Client,
  ref: ObjectRef,
  body: string | Uint8Array,
  contentType = contentTypeOf(ref.key),
): Promise<void> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: ref.bucket, Key: ref.key, Body: body, ContentType: contentType }));
  } catch (error) {
    throw new ObjectWriteError(ref, describeS3Error(error), error);
  }
}

export async function putJson(s3: S3Client, ref: ObjectRef, document: unknown): Promise<void> {
  await putObject(s3, ref, JSON.stringify(document, null, 2) + '\n', 'application/json');
}

export interface StreamUploadOptions {
  /** Gzip the pieces on the way (give the key a .gz suffix). */
  readonly gzip?: boolean;
  /** Multipart part size (default 8 MiB, S3's minimum is 5 MiB). */
  readonly partSize?: number;
}

/**
 * Streams text or byte pieces into one object: a single PUT when small, a multipart upload
 * when large. Memory stays around (queue size × part size).
 */
export async function uploadStream(
  s3: S3Client,
  ref: ObjectRef,
  pieces: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
  options: StreamUploadOptions = {},
): Promise<{ bytes: number }> {
  let bytes = 0;
  const source = Readable.from(pieces as AsyncIterable<string | Uint8Array>, { objectMode: false });
  const counted = new PassThrough();
  counted.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const body = options.gzip ? source.pipe(createGzip({ level: 6 })).pipe(counted) : source.pipe(counted);
  source.once('error', (error) => counted.destroy(error));
  const upload = new Upload({
    client: s3,
    params: { Bucket: ref.bucket, Key: ref.key, Body: body, ContentType: contentTypeOf(ref.key) },
    partSize: options.partSize ?? 8 * 1024 * 1024,
    queueSize: 2,
    leavePartsOnError: false,
  });
  try {
    await upload.done();
  } catch (error) {
    throw new ObjectWriteError(ref, describeS3Error(error), error);
  }
  return { bytes };
}
