/**
 * A lookup table read line by line, keyed by the line's first field: the first row of a key
 * is kept and a later line with the same key is rejected as `duplicate_key`. The CRM and
 * profile tables (tables.ts) say only how a line is scanned and what is kept of it.
 */
import { IdMap } from './id-map.ts';
import { CODE, LineStream } from './line-stream.ts';
import type { LineCounts, RejectSink } from './types.ts';

/** A scanned line (one object reused for every line): the key, then the table's own fields. */
interface KeyedFields {
  id: number;
}

export abstract class KeyedTable<F extends KeyedFields> extends LineStream {
  /** Key → the number `keep` returned for its row. */
  protected readonly index = new IdMap();
  readonly #fields: F;
  /** Fields a line must have, for the slow path that classifies a rejected line. */
  readonly #fieldCount: number;

  constructor(fields: F, fieldCount: number, onReject: RejectSink | undefined, rejectsPerReason?: number) {
    super(onReject, rejectsPerReason);
    this.#fields = fields;
    this.#fieldCount = fieldCount;
  }

  /** Scans the line at p into `out`; returns the index after its LF, or -(reject code + 1). */
  protected abstract scanRow(buf: Uint8Array, p: number, out: F): number;

  /** Keeps an accepted row; returns the number the index keeps for its key. */
  protected abstract keep(fields: F): number;

  /** Distinct keys kept. */
  get size(): number {
    return this.index.size;
  }

  lineCounts(): LineCounts {
    return this.totals();
  }

  protected scanLines(buf: Uint8Array, start: number, stop: number): void {
    const out = this.#fields;
    let p = start;
    while (p < stop) {
      this.line++;
      const next = this.scanRow(buf, p, out);
      if (next < 0) {
        p = this.rejectLine(buf, p, -1 - next, this.#fieldCount);
        continue;
      }
      if (this.index.get(out.id) >= 0) {
        p = this.rejectLine(buf, p, CODE.duplicate_key, this.#fieldCount);
        continue;
      }
      this.index.set(out.id, this.keep(out));
      this.accepted++;
      p = next;
    }
  }
}
