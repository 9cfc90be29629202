/**
 * Local-file byte sources for the extraction core: a file's chunks, gunzipped when its name
 * ends in .gz. Streaming only: never gunzipSync a whole file.
 */
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

/** Read size for plain files; large enough that per-chunk costs vanish, small enough for the cache. */
export const READ_CHUNK_BYTES = 1 << 20;

/**
 * The raw bytes of a file in chunks, reading the next chunk (on libuv's thread pool) while
 * the caller works on the current one. Two buffers take turns: a chunk is valid only until
 * the next one is requested (the extraction core copies what it keeps).
 */
export async function* rawFileChunks(path: string, onRaw?: (chunk: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  let pending: ReturnType<typeof file.read> | undefined;
  try {
    const buffers = [new Uint8Array(READ_CHUNK_BYTES), new Uint8Array(READ_CHUNK_BYTES)];
    let turn = 0;
    pending = file.read(buffers[turn], 0, READ_CHUNK_BYTES, null);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) return;
      const chunk = buffers[turn].subarray(0, bytesRead);
      turn ^= 1;
      pending = file.read(buffers[turn], 0, READ_CHUNK_BYTES, null);
      onRaw?.(chunk);
      yield chunk;
    }
  } finally {
    await pending?.catch(() => undefined); // a caller that stops early leaves one read in flight
    await file.close();
  }
}

/**
 * The file's text bytes: gunzipped (streaming) when the name ends in .gz, else as stored.
 * onRaw sees the bytes as stored (to count or hash them).
 */
export function fileChunks(path: string, onRaw?: (chunk: Uint8Array) => void): AsyncIterable<Uint8Array> {
  if (!path.endsWith('.gz')) return rawFileChunks(path, onRaw);
  const raw = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  if (onRaw) raw.on('data', (chunk) => onRaw(chunk as Buffer));
  // Large output chunks: fewer, bigger pushes into the parser.
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  raw.on('error', (error) => gunzip.destroy(error)); // pipe() alone would leave the reader waiting forever
  return raw.pipe(gunzip);
}
