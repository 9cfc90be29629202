/**
 * Non-negative integer id → int32 value, for user and company ids. Ids below DIRECT_LIMIT
 * live in a typed array that grows with the largest id seen (ids are dense in practice,
 * up to ~1e7); larger ids fall back to a Map so one huge id cannot cost gigabytes.
 */

/** Ids below this are indexed directly (at most 4 bytes × 2^24 = 64 MiB). */
const DIRECT_LIMIT = 1 << 24;
const ABSENT = -1;

export class IdMap {
  /** direct[id] = value + 1, 0 when absent. Exposed for hot loops that inline the lookup. */
  direct: Int32Array = new Int32Array(1024);
  private sparse: Map<number, number> | undefined;
  size = 0;

  /** The value stored for id, or -1. */
  get(id: number): number {
    if (id < this.direct.length) return this.direct[id]! - 1;
    if (id < DIRECT_LIMIT || this.sparse === undefined) return ABSENT;
    return this.sparse.get(id) ?? ABSENT;
  }

  /** Stores value (≥ 0) for id, replacing any previous value. */
  set(id: number, value: number): void {
    if (id < DIRECT_LIMIT) {
      if (id >= this.direct.length) this.growTo(id);
      if (this.direct[id] === 0) this.size++;
      this.direct[id] = value + 1;
      return;
    }
    this.sparse ??= new Map();
    if (!this.sparse.has(id)) this.size++;
    this.sparse.set(id, value);
  }

  private growTo(id: number): void {
    const length = Math.min(DIRECT_LIMIT, Math.max(id + 1, Math.ceil(this.direct.length * 1.5)));
    const next = new Int32Array(length);
    next.set(this.direct);
    this.direct = next;
  }
}
