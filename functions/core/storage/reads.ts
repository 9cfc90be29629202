/**
 * Reading objects through the storage port as the product needs them: a key ending in .gz
 * is gunzipped as it streams (never whole), small objects are read whole as bytes or text,
 * and "if exists" reads turn a missing object into undefined. Written once here for
 * every adapter.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ObjectNotFoundError, ObjectReadError, type ObjectStore, type ReadOptions } from './port.ts';

export const isGzipKey = (key: string): boolean => key.endsWith('.gz');

export interface ChunkReadOptions extends ReadOptions {
  /** Sees the bytes as stored, before gunzip (to count or hash them). */
  readonly onRaw?: (chunk: Uint8Array) => void;
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
 * The object's text bytes: gunzipped as they stream when the key ends in .gz (a corrupt or
 * truncated gzip fails with ObjectReadError), else as stored.
 */
export async function* objectChunks(
  store: ObjectStore,
  key: string,
  options: ChunkReadOptions = {},
): AsyncGenerator<Uint8Array> {
  const { onRaw, ...read } = options;
  if (!isGzipKey(key)) {
    yield* observed(store.read(key, read), onRaw);
    return;
  }
  // Gunzip holds on to what it is given: its input must be chunks it may keep.
  const raw = observed(store.read(key, { ...read, transient: false }), onRaw);
  const gunzip = createGunzip({ chunkSize: 256 * 1024 }); // fewer, larger chunks for the parser
  const source = Readable.from(raw);
  source.once('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } catch (error) {
    if (error instanceof ObjectReadError) throw error;
    throw new ObjectReadError(store.where(key), describeZlibError(error), error);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

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

/** A small object's whole content (gunzipped when the key ends in .gz). */
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
