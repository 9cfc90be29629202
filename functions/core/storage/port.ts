/**
 * The storage port: what the product does with stored objects, whatever holds them (an S3
 * bucket in the cloud, a folder on a laptop). Keys are `/`-separated names; an adapter maps
 * them onto its medium. Bytes cross this interface as stored: decoding (gunzip of `.gz`
 * keys, text) is done once, over the port, in `reads.ts`.
 *
 * Errors: a missing object is an ObjectNotFoundError, a refused condition a
 * PreconditionFailedError, anything else an ObjectReadError or ObjectWriteError naming the
 * object (`where`) and saying what went wrong in words a person can act on.
 */

/** What is known of a stored object without reading it. */
export interface ObjectHead {
  /** Opaque: compare only with another etag of the same store. Changes whenever the content is replaced. */
  readonly etag: string;
  /** Bytes as stored. */
  readonly size: number;
  /** The version id, where the store keeps versions. */
  readonly version?: string;
}

export interface ListedObject extends ObjectHead {
  readonly key: string;
  readonly lastModified?: Date;
}

export interface ReadOptions {
  /** Read this version rather than the latest (stores that keep versions). */
  readonly version?: string;
  /** Called once, before the first chunk, with the head of what is being read. */
  readonly onHead?: (head: ObjectHead) => void;
  /**
   * The caller is done with each chunk when it asks for the next one (it copies what it
   * keeps): the adapter may then reuse its buffers, which keeps memory flat on big objects.
   */
  readonly transient?: boolean;
}

export interface WriteOptions {
  readonly contentType?: string;
  /** `'*'`: write only if no object has that key yet. */
  readonly ifNoneMatch?: '*';
  /** Write only if the object's etag is still this one. */
  readonly ifMatch?: string;
}

export interface StreamWriteOptions {
  readonly contentType?: string;
  /** Gzip the chunks on the way (give the key a `.gz` suffix). */
  readonly gzip?: boolean;
}

export interface WriteResult {
  readonly etag: string;
  readonly version?: string;
  /** Bytes stored (after gzip). */
  readonly bytes: number;
}

/** Size and sha256 of an object as stored. */
export interface ObjectDigest {
  readonly bytes: number;
  readonly sha256: string;
}

export interface ObjectStore {
  /** Where a key is, for messages: `s3://bucket/key`, a file path. */
  where(key: string): string;

  /** The object's bytes as stored, in chunks the caller may keep (unless it reads `transient`). */
  read(key: string, options?: ReadOptions): AsyncIterable<Uint8Array>;

  /** The head of an object, or undefined when there is none. */
  head(key: string): Promise<ObjectHead | undefined>;

  /** Every object whose key starts with `prefix` (all pages), in key order. */
  list(prefix: string): Promise<ListedObject[]>;

  /** Writes a whole body at once, under the conditions given (a refused one is a PreconditionFailedError). */
  write(key: string, body: string | Uint8Array, options?: WriteOptions): Promise<WriteResult>;

  /**
   * Writes chunks as they come, never holding the whole body. The object appears (or is
   * replaced) only when the last chunk is stored; a source that throws leaves the key as it was.
   */
  writeStream(
    key: string,
    chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
    options?: StreamWriteOptions,
  ): Promise<WriteResult>;

  /**
   * Optional: size and sha256 of an object computed off the caller's thread (a local file
   * hashed in a worker while the caller parses it). Without it, hash the chunks of read().
   */
  digest?(key: string): Promise<ObjectDigest>;
}

/** An object could not be read; `reason` says why in plain words. */
export class ObjectReadError extends Error {
  readonly where: string;
  readonly reason: string;
  constructor(where: string, reason: string, cause?: unknown) {
    super(`${where}: ${reason}`, { cause });
    this.name = 'ObjectReadError';
    this.where = where;
    this.reason = reason;
  }
}

/** There is no object under that key (never written, or deleted since). */
export class ObjectNotFoundError extends ObjectReadError {
  constructor(where: string, reason = 'no such object', cause?: unknown) {
    super(where, reason, cause);
    this.name = 'ObjectNotFoundError';
  }
}

export class ObjectWriteError extends Error {
  readonly where: string;
  constructor(where: string, reason: string, cause?: unknown) {
    super(`writing ${where}: ${reason}`, { cause });
    this.name = 'ObjectWriteError';
    this.where = where;
  }
}

/** A conditional write was refused: the object exists (ifNoneMatch) or changed (ifMatch). */
export class PreconditionFailedError extends ObjectWriteError {
  constructor(where: string, condition: WriteOptions, cause?: unknown) {
    const expected =
      condition.ifNoneMatch === '*' ? 'no object yet' : `etag ${condition.ifMatch ?? '(none given)'} still there`;
    super(where, `precondition failed (${expected})`, cause);
    this.name = 'PreconditionFailedError';
  }
}
