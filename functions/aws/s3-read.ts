/**
 * Reading S3 objects as streams of bytes, never whole: `objectChunks` yields an object's
 * text bytes (gunzipped on the way when the key ends in .gz), `onRaw` sees the bytes as
 * stored (to hash them). Errors name the object and say what went wrong in plain words.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified?: Date;
}

export const s3Url = (ref: ObjectRef) => `s3://${ref.bucket}/${ref.key}`;

/** An object could not be read (missing, denied, corrupt gzip); `cause` is the SDK's or zlib's error. */
export class ObjectReadError extends Error {
  readonly bucket: string;
  readonly key: string;
  readonly reason: string;
  constructor(ref: ObjectRef, reason: string, cause?: unknown) {
    super(`${s3Url(ref)}: ${reason}`, { cause });
    this.name = 'ObjectReadError';
    this.bucket = ref.bucket;
    this.key = ref.key;
    this.reason = reason;
  }
}

/** The SDK's error in a sentence a person can act on. */
export function describeS3Error(error: unknown): string {
  const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.name ?? e.Code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  if (code === 'NoSuchKey' || code === 'NotFound' || status === 404)
    return 'no such object (deleted after the event, or a wrong key)';
  if (code === 'AccessDenied' || status === 403)
    return "access denied (the function's role may not read it, or the KMS key is not usable)";
  if (code === 'NoSuchBucket') return 'no such bucket';
  return `${code}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`;
}

function describeZlibError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') return `not a valid gzip stream (${e.message})`;
  return e.message ?? String(error);
}

const isGzip = (key: string) => key.endsWith('.gz');

/** The object's bytes as stored, in the chunks the HTTP response delivers. */
export async function* rawObjectChunks(
  s3: S3Client,
  ref: ObjectRef,
  onRaw?: (chunk: Uint8Array) => void,
  onResponse?: (head: { etag: string; size: number }) => void,
): AsyncGenerator<Uint8Array> {
  let body: Readable;
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    if (!got.Body) throw new Error('empty response body');
    onResponse?.({ etag: got.ETag ?? '', size: got.ContentLength ?? 0 });
    body = got.Body as Readable;
  } catch (error) {
    throw new ObjectReadError(ref, describeS3Error(error), error);
  }
  try {
    for await (const chunk of body) {
      const bytes = chunk as Uint8Array;
      onRaw?.(bytes);
      yield bytes;
    }
  } catch (error) {
    if (error instanceof ObjectReadError) throw error;
    throw new ObjectReadError(ref, `the download broke off: ${(error as Error).message}`, error);
  } finally {
    body.destroy();
  }
}

/**
 * The object's text bytes: gunzipped as they stream when the key ends in .gz (a corrupt or
 * truncated gzip fails with ObjectReadError), else as stored.
 */
export async function* objectChunks(
  s3: S3Client,
  ref: ObjectRef,
  onRaw?: (chunk: Uint8Array) => void,
  onResponse?: (head: { etag: string; size: number }) => void,
): AsyncGenerator<Uint8Array> {
  const raw = rawObjectChunks(s3, ref, onRaw, onResponse);
  if (!isGzip(ref.key)) {
    yield* raw;
    return;
  }
  const gunzip = createGunzip({ chunkSize: 256 * 1024 }); // fewer, larger chunks for the parser
  const source = Readable.from(raw);
  source.once('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } catch (error) {
    if (error instanceof ObjectReadError) throw error;
    throw new ObjectReadError(ref, describeZlibError(error), error);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

/**
 * Joins the small chunks an HTTP response arrives in (often 16-64 KiB) into pieces of about
 * `size` bytes: the parser's per-chunk costs then vanish. Each piece is a fresh buffer.
 */
export async function* coalesce(chunks: AsyncIterable<Uint8Array>, size = 1 << 20): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    if (length === 0 && chunk.length >= size) {
      yield chunk;
      continue;
    }
    parts.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}

/** A small object's whole text (manifests, markers, category lists). */
export async function readObjectText(s3: S3Client, ref: ObjectRef): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of objectChunks(s3, ref)) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** A JSON document, or undefined when the object does not exist. */
export async function readJsonIfExists<T>(s3: S3Client, ref: ObjectRef): Promise<T | undefined> {
  const text = await readObjectTextIfExists(s3, ref);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new ObjectReadError(ref, `not JSON: ${(error as Error).message}`, error);
  }
}

export async function readObjectTextIfExists(s3: S3Client, ref: ObjectRef): Promise<string | undefined> {
  try {
    return await readObjectText(s3, ref);
  } catch (error) {
    if (error instanceof ObjectReadError && /no such object/.test(error.reason)) return undefined;
    throw error;
  }
}

/** Size and ETag, or undefined when the object does not exist. */
export async function headObject(s3: S3Client, ref: ObjectRef): Promise<{ size: number; etag: string } | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    return { size: head.ContentLength ?? 0, etag: head.ETag ?? '' };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchKey')
      return undefined;
    throw new ObjectReadError(ref, describeS3Error(error), error);
  }
}

/** Every object under a prefix (all pages), in key order. */
export async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    } catch (error) {
      throw new Error(`listing s3://${bucket}/${prefix}: ${describeS3Error(error)}`, { cause: error });
    }
    for (const o of page.Contents ?? []) {
      objects.push({ key: o.Key!, size: o.Size ?? 0, etag: o.ETag ?? '', lastModified: o.LastModified });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
