/**
 * Builds output bytes in 64 KiB chunks (no string per line) and hands full chunks to a
 * SeedFile: a few in flight at once, the oldest awaited so a slow disk holds the generator
 * back (backpressure), and their buffers filled again when the sink allows it.
 */
import type { SeedFile } from './sink.ts';

const CHUNK = 64 * 1024;
/** Room kept at the end of a chunk so one ordinary line always fits without a check per byte. */
const SLACK = 1024;
const encoder = new TextEncoder();
/** Chunks handed to the file and not yet consumed: enough to keep the disk busy. */
const IN_FLIGHT = 4;

export class ChunkWriter {
  private buf: Uint8Array = new Uint8Array(CHUNK + SLACK);
  private pos = 0;
  private readonly full: Uint8Array[] = [];
  private readonly inFlight: { done: Promise<void> | void; chunk: Uint8Array }[] = [];
  private readonly spare: Uint8Array[] = [];
  bytes = 0;
  lines = 0;
  private readonly file: SeedFile;

  constructor(file: SeedFile) {
    this.file = file;
  }

  /** True when a chunk is ready: call `await flush()` between lines. */
  get ready(): boolean {
    return this.pos >= CHUNK || this.full.length > 0;
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** A non-negative integer in decimal. */
  int(n: number): void {
    if (n < 10) {
      this.buf[this.pos++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      this.buf[--p] = 48 + (n - q * 10);
      n = q;
    }
    this.buf[p - 1] = 48 + n;
  }

  /** Bytes of any length (a long one goes out in its own chunk). */
  raw(bytes: Uint8Array): void {
    if (this.pos + bytes.length > this.buf.length) {
      this.cut();
      if (bytes.length > CHUNK) {
        this.full.push(bytes.slice());
        return;
      }
    }
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  text(s: string): void {
    this.raw(encoder.encode(s));
  }

  /** Ends a line: LF, or CRLF when asked. */
  end(crlf = false): void {
    if (crlf) this.buf[this.pos++] = 13;
    this.buf[this.pos++] = 10;
    this.lines++;
    if (this.pos >= CHUNK) this.cut();
  }

  async flush(): Promise<void> {
    if (this.pos >= CHUNK) this.cut();
    for (let chunk = this.full.shift(); chunk !== undefined; chunk = this.full.shift()) {
      this.bytes += chunk.length;
      this.inFlight.push({ done: this.file.write(chunk), chunk });
      if (this.inFlight.length >= IN_FLIGHT) await this.settleOldest();
    }
  }

  async close(): Promise<void> {
    this.cut();
    await this.flush();
    while (await this.settleOldest());
    await this.file.close();
  }

  /** Waits for the oldest write; false when none is in flight. */
  private async settleOldest(): Promise<boolean> {
    const oldest = this.inFlight.shift();
    if (oldest === undefined) return false;
    const { done, chunk } = oldest;
    await done;
    // Only whole chunk buffers come back (not a long line's own copy).
    if (this.file.reusesChunks && chunk.byteOffset === 0 && chunk.buffer.byteLength === CHUNK + SLACK) {
      this.spare.push(new Uint8Array(chunk.buffer));
    }
    return true;
  }

  private cut(): void {
    if (this.pos === 0) return;
    this.full.push(this.buf.subarray(0, this.pos));
    this.buf = this.spare.pop() ?? new Uint8Array(CHUNK + SLACK);
    this.pos = 0;
  }
}
