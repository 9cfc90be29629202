/**
 * A text file written in pieces, gzipped when asked, with backpressure: callers add text
 * synchronously (e.g. from the extraction core's reject callback) and await flush() between
 * chunks, so pending text stays bounded whatever the input is.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';
import { once } from 'node:events';

const FLUSH_AT = 1 << 20;

export class TextWriter {
  private readonly file: WriteStream;
  private readonly sink: WriteStream | Gzip;
  private pending: (string | Uint8Array)[] = [];
  private pendingLength = 0;
  /** A write error, kept to be thrown by the next flush or close (not an uncaught 'error' event). */
  private failure: Error | undefined;
  /** Settles when a write error happens (one listener for the writer's life). */
  private readonly failed: Promise<void>;

  constructor(path: string, gzip: boolean) {
    this.file = createWriteStream(path);
    if (gzip) {
      const zip = createGzip();
      zip.pipe(this.file);
      this.sink = zip;
    } else {
      this.sink = this.file;
    }
    this.failed = new Promise((resolve) => {
      const keep = (error: Error) => {
        this.failure ??= error;
        resolve();
      };
      this.file.on('error', keep);
      if (this.sink !== this.file) this.sink.on('error', keep);
    });
  }

  add(text: string | Uint8Array): void {
    this.pending.push(text);
    this.pendingLength += text.length;
  }

  /** Writes what is pending once it is large (or always, with force), waiting for the disk if it lags. */
  async flush(force = false): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pendingLength === 0 || (!force && this.pendingLength < FLUSH_AT)) return;
    const pieces = this.pending;
    this.pending = [];
    this.pendingLength = 0;
    const text = pieces.every((p) => typeof p === 'string') ? [pieces.join('')] : pieces;
    let drained = true;
    for (const piece of text) drained = this.sink.write(piece) && drained;
    if (!drained) await Promise.race([once(this.sink, 'drain').catch(() => undefined), this.failed]);
    if (this.failure) throw this.failure;
  }

  /** Writes everything and closes the file. */
  async close(): Promise<void> {
    await this.flush(true);
    const finished = once(this.file, 'close');
    this.sink.end();
    await finished;
    if (this.failure) throw this.failure;
  }
}

/** Writes a whole text (or its pieces) to a file, gzipped when asked. */
export async function writeText(path: string, pieces: Iterable<string | Uint8Array>, gzip: boolean): Promise<void> {
  const writer = new TextWriter(path, gzip);
  for (const piece of pieces) {
    writer.add(piece);
    await writer.flush();
  }
  await writer.close();
}
