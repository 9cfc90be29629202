/**
 * Local-file byte sources for the extraction core: a file's chunks, gunzipped when its name
 * ends in .gz, with the stored bytes digested on the way (size + sha256 for the manifest).
 * Streaming only: never gunzipSync a whole file.
 */
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { SourceDigest } from '../core/extract/digest.ts';

/** Read size for plain files; large enough that per-chunk costs vanish, small enough for the cache. */
export const READ_CHUNK_BYTES = 1 << 20;

/**
 * The raw bytes of a file in chunks. The chunk buffer is reused: each chunk is valid only
 * until the next one is requested (the extraction core copies what it keeps).
 */
export async function* rawFileChunks(path: string, digest?: SourceDigest): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(READ_CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      const chunk = buffer.subarray(0, bytesRead);
      digest?.update(chunk);
      yield chunk;
    }
  } finally {
    await file.close();
  }
}

/** The file's text bytes: gunzipped (streaming) when the name ends in .gz, else as stored. */
export function fileChunks(path: string, digest?: SourceDigest): AsyncIterable<Uint8Array> {
  if (!path.endsWith('.gz')) return rawFileChunks(path, digest);
  const raw = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  if (digest) raw.on('data', (chunk) => digest.update(chunk as Buffer));
  // Large output chunks: fewer, bigger pushes into the parser.
  return raw.pipe(createGunzip({ chunkSize: 256 * 1024 }));
}
