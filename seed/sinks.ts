/**
 * Two sinks: a directory on disk (streams, gzip on the fly) and memory (for small demos
 * uploaded straight to S3, and for tests).
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import type { Writable } from 'node:stream';
import type { SeedFile, SeedSink } from './sink.ts';

/** Resolves once the stream has consumed the chunk (written it, or compressed it). */
function consumed(stream: Writable, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

/** Writes each file into `dir` (created if missing). */
export function directorySink(dir: string): SeedSink {
  mkdirSync(dir, { recursive: true });
  return {
    open(name, { gzip }): SeedFile {
      // A week in parts names its files week=<W>/part-0001.log.
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      const file = createWriteStream(join(dir, name));
      if (!gzip) {
        const done = once(file, 'close');
        return {
          reusesChunks: true,
          write: (chunk) => consumed(file, chunk),
          async close() {
            file.end();
            await done;
          },
        };
      }
      const zip = createGzip();
      const done = pipeline(zip, file);
      return {
        reusesChunks: true,
        write: (chunk) => consumed(zip, chunk),
        async close() {
          zip.end();
          await done;
        },
      };
    },
  };
}

export interface MemorySink extends SeedSink {
  /** File name → bytes, in the order the files were closed. */
  readonly files: Map<string, Uint8Array>;
}

/** Keeps every file in memory: only for small demos (a few thousand users). */
export function memorySink(): MemorySink {
  const files = new Map<string, Uint8Array>();
  return {
    files,
    open(name, { gzip }): SeedFile {
      const chunks: Uint8Array[] = [];
      return {
        write(chunk) {
          chunks.push(chunk);
        },
        async close() {
          const plain = Buffer.concat(chunks);
          files.set(name, new Uint8Array(gzip ? gzipSync(plain) : plain));
        },
      };
    },
  };
}
