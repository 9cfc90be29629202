/**
 * Text built as bytes: numbers and pre-encoded names written straight into a buffer, handed
 * out in ~64 KiB chunks. For the big outputs (a million feature rows), where building a
 * string per line costs more than the extraction itself.
 */
const CHUNK = 1 << 16;
const encoder = new TextEncoder();

export class ByteWriter {
  private buffer = new Uint8Array(CHUNK + 4096);
  private pos = 0;
  private readonly digits = new Uint8Array(24);

  /** True once a chunk's worth is waiting: call take(). */
  get full(): boolean {
    return this.pos >= CHUNK;
  }

  /** The bytes written so far (a copy), and a fresh start. */
  take(): Uint8Array {
    const out = this.buffer.slice(0, this.pos);
    this.pos = 0;
    return out;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buffer[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buffer.set(b, this.pos);
    this.pos += b.length;
  }

  text(s: string): void {
    this.bytes(encoder.encode(s));
  }

  /** A whole number ≥ 0 (below 2^53) in decimal. */
  uint(n: number): void {
    if (n < 10) {
      this.byte(48 + n);
      return;
    }
    let k = 0;
    while (n > 0) {
      const q = Math.floor(n / 10);
      this.digits[k++] = 48 + (n - q * 10);
      n = q;
    }
    this.ensure(k);
    while (k > 0) this.buffer[this.pos++] = this.digits[--k]!; // k digits were written above
  }

  private ensure(room: number): void {
    if (this.pos + room <= this.buffer.length) return;
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.pos + room));
    next.set(this.buffer.subarray(0, this.pos));
    this.buffer = next;
  }
}

export function encodeNames(names: readonly string[]): Uint8Array[] {
  return names.map((n) => encoder.encode(n));
}
