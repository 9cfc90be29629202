/**
 * Reading objects through the storage port as the product needs them: gzip is recognised by
 * its first bytes whatever the key says and gunzipped as it streams (never whole, and never
 * past a sane compression ratio), small objects are read whole as bytes or text, and "if
 * exists" reads turn a missing object into undefined. Written once here for every adapter.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ObjectNotFoundError, ObjectReadError, type ObjectStore, type ReadOptions } from './port.ts';

/** Whether a key names a gzip file: how outputs are written (inputs are recognised by content). */
export const isGzipKey = (key: string): boolean => key.endsWith('.gz');

/** Whether bytes start like gzip (RFC 1952 magic 1f 8b). */
const isGzipBytes = (head: Uint8Array): boolean => head[0] === 0x1f && head[1] === 0x8b;

/**
 * A gzip that grows more than this many times is refused once it has produced
 * GZIP_RATIO_FLOOR bytes: text logs compress 3-20 times, a gzip of one repeated byte
 * about a thousand times, which is an accident or an attack, not a week of events.
 */
const MAX_GZIP_RATIO = 100;
const GZIP_RATIO_FLOOR = 4 << 20;

export interface ChunkReadOptions extends ReadOptions {
  /** Sees the bytes as stored, before gunzip (to count or hash them). */
  readonly onRaw?: (chunk: Uint8Array) => void;
  /** Plain content is handed over in pieces of about this many bytes (see coalesce); default: as read. */
  readonly plainPieceBytes?: number;
}

function describeZlibError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') return `not a valid gzip stream (${e.message})`;
  return e.message ?? String(error);
}

async function* observed(
  raw: AsyncIterable<Uint8Array>,
  onRaw: ((chunk: Uint8Array) => void) | undefined,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of raw) {
    onRaw?.(chunk);
    yield chunk;
  }
}

/**
 * The object's text bytes: gunzipped as they stream when its content is gzip (a corrupt or
 * truncated gzip, or one that grows past MAX_GZIP_RATIO, fails with ObjectReadError naming
 * the object), else as stored.
 */
export async function* objectChunks(
  store: ObjectStore,
  key: string,
  options: ChunkReadOptions = {},
): AsyncGenerator<Uint8Array> {
  const { onRaw, plainPieceBytes, ...read } = options;
  const raw = observed(store.read(key, read), onRaw);
  const { head, chunks } = await peek(raw, 2, read.transient === true);
  if (!isGzipBytes(head)) {
    yield* plainPieceBytes === undefined ? chunks : coalesce(chunks, plainPieceBytes);
    return;
  }
  // Gunzip holds on to what it is given: chunks the store may reuse are copied first.
  const kept = read.transient === true ? copies(chunks) : chunks;
  const gunzip = createGunzip({ chunkSize: 256 * 1024 }); // fewer, larger chunks for the parser
  const source = Readable.from(kept);
  source.once('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  let outBytes = 0;
  try {
    for await (const chunk of gunzip) {
      outBytes += (chunk as Uint8Array).length;
      // Against what gunzip has taken in, not what was read ahead of it.
      if (outBytes > GZIP_RATIO_FLOOR && outBytes > MAX_GZIP_RATIO * gunzip.bytesWritten) {
        throw new ObjectReadError(store.where(key), tooCompressed(outBytes, gunzip.bytesWritten));
      }
      yield chunk as Uint8Array;
    }
  } catch (error) {
    if (error instanceof ObjectReadError) throw error;
    throw new ObjectReadError(store.where(key), describeZlibError(error), error);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

function tooCompressed(outBytes: number, gzipBytes: number): string {
  const kib = (n: number) => `${Math.ceil(n / 1024)} KiB`;
  return (
    `gunzips to more than ${MAX_GZIP_RATIO} times its size (${kib(outBytes)} from ${kib(gzipBytes)} so far): ` +
    'not an event log (a gzip of one repeated byte?); refused before it fills the disk'
  );
}

/**
 * The first `n` bytes of a stream (fewer if it is shorter), and the whole stream again. The
 * chunks read ahead are copied when the store may reuse them and more than one was needed.
 */
async function peek(
  chunks: AsyncIterable<Uint8Array>,
  n: number,
  transient: boolean,
): Promise<{ head: Uint8Array; chunks: AsyncIterable<Uint8Array> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const ahead: Uint8Array[] = [];
  let length = 0;
  while (length < n) {
    const next = await iterator.next();
    if (next.done === true) break;
    length += next.value.length;
    // Asking for the next chunk lets the store reuse this one's buffer: keep a copy then.
    ahead.push(transient && length < n ? copyOf(next.value) : next.value);
  }
  const head = new Uint8Array(Math.min(n, length));
  let filled = 0;
  for (const chunk of ahead) {
    if (filled === head.length) break;
    const part = chunk.subarray(0, head.length - filled);
    head.set(part, filled);
    filled += part.length;
  }
  async function* again(): AsyncGenerator<Uint8Array> {
    try {
      yield* ahead;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.(); // a reader that stops early closes the object
    }
  }
  return { head, chunks: again() };
}

async function* copies(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) yield copyOf(chunk);
}

/** A copy (a Buffer's slice() is a view, not a copy). */
const copyOf = (chunk: Uint8Array): Uint8Array => new Uint8Array(chunk);

/**
 * Joins small chunks (an HTTP response arrives in 16-64 KiB pieces) into fresh pieces of
 * about `size` bytes: the parser's per-chunk costs then vanish. A chunk already that large
 * passes as is; a small one is copied at once, so transient chunks are safe here.
 */
export async function* coalesce(chunks: AsyncIterable<Uint8Array>, size = 1 << 20): AsyncGenerator<Uint8Array> {
  let buffer = new Uint8Array(0);
  let length = 0;
  for await (const chunk of chunks) {
    if (length === 0 && chunk.length >= size) {
      yield chunk;
      continue;
    }
    if (length + chunk.length > buffer.length) {
      const grown = new Uint8Array(Math.max(size + (size >> 2), length + chunk.length));
      grown.set(buffer.subarray(0, length));
      buffer = grown;
    }
    buffer.set(chunk, length);
    length += chunk.length;
    if (length >= size) {
      yield buffer.subarray(0, length);
      buffer = new Uint8Array(0);
      length = 0;
    }
  }
  if (length > 0) yield buffer.subarray(0, length);
}

/** A small object's whole content (gunzipped when it is gzip). */
export async function readBytes(store: ObjectStore, key: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of objectChunks(store, key)) parts.push(chunk);
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
}

export async function readText(store: ObjectStore, key: string): Promise<string> {
  return new TextDecoder().decode(await readBytes(store, key));
}

/** The object's text, or undefined when there is no such object. */
export async function readTextIfExists(store: ObjectStore, key: string): Promise<string | undefined> {
  return ifExists(() => readText(store, key));
}

/** The read's result, or undefined when the object does not exist. */
export async function ifExists<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}
