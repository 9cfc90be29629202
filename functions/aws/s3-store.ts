/**
 * The storage port on one S3 bucket. Reads stream the response body (never whole); small
 * bodies go up in one PUT, large and streamed ones as a multipart upload
 * (@aws-sdk/lib-storage), gzipped on the way when asked, so no output is held whole.
 * Conditional writes send S3's If-None-Match / If-Match and report its 412 as a
 * PreconditionFailedError (after retrying its 409, a conflicting operation during the write).
 */
import { PassThrough, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { setTimeout } from 'node:timers/promises';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type PutObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  ObjectNotFoundError,
  ObjectReadError,
  ObjectWriteError,
  PreconditionFailedError,
  type ListedObject,
  type ObjectHead,
  type ObjectStore,
  type ReadOptions,
  type StreamWriteOptions,
  type WriteOptions,
  type WriteResult,
} from '#core/storage/port.ts';
import { describeS3Error, isS3ConditionalConflict, isS3NotFound, isS3PreconditionFailed } from './s3-errors.ts';
import { isS3Missing } from './s3-missing.ts';
import { listObjects } from './s3-list.ts';

/** Bodies above this go up in parts of this size (S3's minimum part is 5 MiB). */
const PART_BYTES = 8 * 2 ** 20;

const contentTypeOf = (key: string): string =>
  key.endsWith('.gz')
    ? 'application/gzip'
    : key.endsWith('.json')
      ? 'application/json'
      : key.endsWith('.jsonl')
        ? 'application/x-ndjson'
        : key.endsWith('.tsv')
          ? 'text/tab-separated-values; charset=utf-8'
          : 'text/plain; charset=utf-8';

/** Tries of a conditional PUT that S3 answers "conflicting operation" (409), and the first wait between them. */
const CONFLICT_ATTEMPTS = 6;
const CONFLICT_BACKOFF_MS = 20;

/** S3 quotes its ETags; they are kept as sent (opaque, compared only with each other). */
const etagOf = (etag: string | undefined) => etag ?? '';

export class S3ObjectStore implements ObjectStore {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Part size of streamed and large writes. */
  readonly partBytes: number;

  constructor(s3: S3Client, bucket: string, options: { partBytes?: number } = {}) {
    this.s3 = s3;
    this.bucket = bucket;
    this.partBytes = options.partBytes ?? PART_BYTES;
  }

  where(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async *read(key: string, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    let body: Readable;
    try {
      const got = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, VersionId: options.version }),
      );
      if (!got.Body) throw new Error('empty response body');
      options.onHead?.({ etag: etagOf(got.ETag), size: got.ContentLength ?? 0, version: got.VersionId });
      body = got.Body as Readable;
    } catch (error) {
      throw await this.#readError(key, error);
    }
    try {
      for await (const chunk of body) yield chunk as Uint8Array;
    } catch (error) {
      throw new ObjectReadError(this.where(key), `the download broke off: ${(error as Error).message}`, error);
    } finally {
      body.destroy();
    }
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { etag: etagOf(head.ETag), size: head.ContentLength ?? 0, version: head.VersionId };
    } catch (error) {
      if (await isS3Missing(this.s3, this.bucket, key, error)) return undefined;
      throw await this.#readError(key, error);
    }
  }

  list(prefix: string): Promise<ListedObject[]> {
    return listObjects(this.s3, this.bucket, prefix);
  }

  async write(key: string, body: string | Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const params = {
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentType: options.contentType ?? contentTypeOf(key),
      IfMatch: options.ifMatch,
      IfNoneMatch: options.ifNoneMatch,
    };
    try {
      // One PUT takes up to 5 GB; a conditional write stays one request so that S3 judges it atomically.
      if (bytes <= this.partBytes || conditional) {
        const put = await this.#put(params);
        return { etag: etagOf(put.ETag), version: put.VersionId, bytes };
      }
      const done = await new Upload({ client: this.s3, params, partSize: this.partBytes, queueSize: 4 }).done();
      return { etag: etagOf(done.ETag), version: done.VersionId, bytes };
    } catch (error) {
      // S3 answers If-Match on a key with no object 404: the etag is not there, a refused condition too.
      const refused = isS3PreconditionFailed(error) || (options.ifMatch !== undefined && isS3NotFound(error));
      if (refused) throw new PreconditionFailedError(this.where(key), options, error);
      throw new ObjectWriteError(this.where(key), describeS3Error(error), error);
    }
  }

  /** S3 may answer a conditional PUT 409 (a conflicting operation completed during it); its advice is to retry. */
  async #put(params: PutObjectCommandInput, attempt = 1): Promise<PutObjectCommandOutput> {
    try {
      return await this.s3.send(new PutObjectCommand(params));
    } catch (error) {
      if (!isS3ConditionalConflict(error) || attempt >= CONFLICT_ATTEMPTS) throw error;
      await setTimeout(CONFLICT_BACKOFF_MS * 2 ** attempt * (0.5 + Math.random()));
      return this.#put(params, attempt + 1);
    }
  }

  /** Memory stays around (queue size × part size) whatever the length. */
  async writeStream(
    key: string,
    chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
    options: StreamWriteOptions = {},
  ): Promise<WriteResult> {
    let bytes = 0;
    const source = Readable.from(chunks, { objectMode: false });
    const counted = new PassThrough();
    counted.on('data', (chunk: Buffer) => (bytes += chunk.length));
    const body = options.gzip ? source.pipe(createGzip({ level: 6 })).pipe(counted) : source.pipe(counted);
    source.once('error', (error) => counted.destroy(error));
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: options.contentType ?? contentTypeOf(key) },
      partSize: this.partBytes,
      queueSize: 2,
      leavePartsOnError: false,
    });
    try {
      const done = await upload.done();
      return { etag: etagOf(done.ETag), version: done.VersionId, bytes };
    } catch (error) {
      throw new ObjectWriteError(this.where(key), describeS3Error(error), error);
    }
  }

  async #readError(key: string, error: unknown): Promise<ObjectReadError> {
    if (await isS3Missing(this.s3, this.bucket, key, error))
      return new ObjectNotFoundError(
        this.where(key),
        'no such object (deleted after the event, or a wrong key)',
        error,
      );
    return new ObjectReadError(this.where(key), describeS3Error(error), error);
  }
}

export const s3Store = (s3: S3Client, bucket: string): S3ObjectStore => new S3ObjectStore(s3, bucket);
