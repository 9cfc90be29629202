/**
 * Lines too many to hold in memory (a table's rejects can run to millions) kept in a
 * gzipped temporary file (Lambda's /tmp), written as they come and read back as often as
 * needed. Memory stays at the streams' buffers whatever the count.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

/** Lines go to and come from the file in pieces of about this many characters (fewer, larger zlib calls). */
const BATCH_CHARS = 64 * 1024;

export class SpillFile {
  readonly #dir: string;
  readonly #path: string;
  readonly #gzip = createGzip({ level: 1 });
  /** Settles when the file is written; a write error (a full /tmp) is reported by close(). */
  readonly #written: Promise<void>;
  #ended = false;
  #pending = '';

  private constructor(dir: string) {
    this.#dir = dir;
    this.#path = join(dir, 'lines.gz');
    this.#written = pipeline(this.#gzip, createWriteStream(this.#path));
    this.#written.catch(() => undefined);
  }

  static async open(): Promise<SpillFile> {
    return new SpillFile(await mkdtemp(join(tmpdir(), 'spill-')));
  }

  /** Adds one line (with its line end); call drain() between batches. */
  add(line: string): void {
    this.#pending += line;
    if (this.#pending.length >= BATCH_CHARS) this.#flush();
  }

  /** Waits while the file is behind. */
  async drain(): Promise<void> {
    if (this.#gzip.writableNeedDrain) await once(this.#gzip, 'drain');
  }

  /** Ends the writing; the lines can then be read. */
  close(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      this.#flush();
      this.#gzip.end();
    }
    return this.#written;
  }

  /** The lines written, each with its line end, in pieces of many lines. */
  async *lines(): AsyncGenerator<string> {
    await this.close();
    const input = createReadStream(this.#path).pipe(createGunzip());
    let piece = '';
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      piece += line + '\n';
      if (piece.length >= BATCH_CHARS) {
        yield piece;
        piece = '';
      }
    }
    if (piece.length > 0) yield piece;
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.#gzip.write(this.#pending);
    this.#pending = '';
  }

  /** Removes the file; an error writing it was already reported by close(), or does not matter now. */
  async dispose(): Promise<void> {
    await this.close().catch(() => undefined);
    await rm(this.#dir, { recursive: true, force: true });
  }
}
