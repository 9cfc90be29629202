/**
 * Turns byte chunks into lines without decoding them, and does the bookkeeping every input
 * shares: line numbers, counts by reason, the 64 KiB line limit, CRLF, a last line without
 * a line end, and the slow-path classification of a rejected line.
 *
 * A UTF-8 byte-order mark at the start of a source is dropped (editors on Windows write one;
 * kept, it would spoil the first line and hide in its reject text).
 *
 * Complete lines inside a chunk are handed to `scanLines` in place (no copy); only a line cut
 * by a chunk boundary is copied into a carry buffer of fixed size, so memory stays bounded
 * whatever the line lengths are.
 */
import {
  MAX_LINE_BYTES,
  MAX_RAW_BYTES,
  REJECT_REASONS,
  type LineCounts,
  type RejectReason,
  type RejectSink,
} from './types.ts';
import { isValidUtf8 } from './utf8.ts';

/** Numeric reject codes: index into REJECT_REASONS. Hot loops use these, not strings. */
export const CODE = Object.freeze(Object.fromEntries(REJECT_REASONS.map((r, i) => [r, i]))) as Readonly<
  Record<RejectReason, number>
>;

/** The reason a reject code stands for; throws on a number that is no code (a bug, never bad input). */
export function reasonOf(code: number): RejectReason {
  const reason = REJECT_REASONS[code];
  if (reason === undefined) throw new Error(`${code} is not a reject code (0..${REJECT_REASONS.length - 1})`);
  return reason;
}

const LF = 10;
const CR = 13;
const TAB = 9;
const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);
const decoder = new TextDecoder('utf-8', { fatal: false });

export abstract class LineStream {
  /** Current source name (set by beginSource). */
  protected source = '';
  /** Lines consumed in the current source. */
  protected line = 0;
  protected readonly onReject: RejectSink | undefined;
  /** Rejects handed to onReject per reason in a source; the rest are only counted. */
  private readonly rejectsPerReason: number;

  /** Totals over every source. */
  protected totalLines = 0;
  protected totalAccepted = 0;
  protected readonly totalRejected = new Float64Array(REJECT_REASONS.length);
  /** Counts of the current source. */
  protected accepted = 0;
  protected readonly rejected = new Float64Array(REJECT_REASONS.length);

  // A line cut by a chunk boundary: its bytes so far (room for the limit plus CR LF).
  private readonly carry = new Uint8Array(MAX_LINE_BYTES + 2);
  private carryLength = 0;
  /** The pending line is already known to be too long; carry keeps its first bytes for `raw`. */
  private carryTooLong = false;
  /** A source is open (beginSource without endSource). */
  protected inSource = false;
  /** Bytes of a byte-order mark matched at the source's start so far; -1 once past it. */
  private bomMatched = -1;

  constructor(onReject: RejectSink | undefined, rejectsPerReason = Infinity) {
    this.onReject = onReject;
    this.rejectsPerReason = rejectsPerReason;
  }

  /**
   * Handles the complete lines in buf[start, stop): buf[stop - 1] is LF and every line ends
   * with LF. Must count each line in `this.line`, and each one either in `this.accepted` or
   * through rejectLine()/rejectBytes().
   */
  protected abstract scanLines(buf: Uint8Array, start: number, stop: number): void;

  /** Starts a source: line numbers restart at 1. */
  beginSource(name: string): void {
    if (this.inSource) throw new Error(`beginSource("${name}") while "${this.source}" is still open`);
    this.inSource = true;
    this.source = name;
    this.bomMatched = 0;
    this.line = 0;
    this.accepted = 0;
    this.rejected.fill(0);
  }

  /** Feeds the next chunk of the current source. The chunk may be reused by the caller afterwards. */
  push(chunk: Uint8Array): void {
    if (!this.inSource) throw new Error('push() before beginSource()');
    if (this.bomMatched >= 0) chunk = this.afterBom(chunk);
    this.pushBytes(chunk);
  }

  /** The chunk without the part of a byte-order mark it holds (bytes taken for one that was not are fed first). */
  private afterBom(chunk: Uint8Array): Uint8Array {
    const before = this.bomMatched;
    let i = 0;
    while (this.bomMatched < BOM.length && i < chunk.length && chunk[i] === BOM[this.bomMatched]) {
      this.bomMatched++;
      i++;
    }
    if (this.bomMatched === BOM.length) {
      this.bomMatched = -1;
      return chunk.subarray(i);
    }
    if (i === chunk.length) return chunk.subarray(i); // all of it may still be a mark: wait for more
    this.bomMatched = -1;
    if (before > 0) this.pushBytes(BOM.subarray(0, before));
    return chunk;
  }

  private pushBytes(chunk: Uint8Array): void {
    const n = chunk.length;
    let pos = 0;
    if (this.carryLength > 0 || this.carryTooLong) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.appendCarry(chunk, 0, n);
        return;
      }
      this.appendCarry(chunk, 0, nl + 1);
      this.flushCarry();
      pos = nl + 1;
    }
    const last = chunk.lastIndexOf(LF);
    if (last >= pos) {
      this.scanLines(chunk, pos, last + 1);
      pos = last + 1;
    }
    if (pos < n) this.appendCarry(chunk, pos, n);
  }

  /** Ends the current source (a last line without a line end counts) and returns its counts. */
  endSource(): LineCounts {
    if (!this.inSource) throw new Error('endSource() without beginSource()');
    if (this.bomMatched > 0) this.pushBytes(BOM.subarray(0, this.bomMatched)); // a source of 1-2 such bytes
    this.bomMatched = -1;
    if (this.carryLength > 0 || this.carryTooLong) {
      this.appendCarry(new Uint8Array([LF]), 0, 1);
      this.flushCarry();
    }
    this.inSource = false;
    const rejected = this.rejected;
    this.totalLines += this.line;
    this.totalAccepted += this.accepted;
    rejected.forEach((n, i) => (this.totalRejected[i]! += n)); // both sized REJECT_REASONS.length
    const counts = toLineCounts(this.line, this.accepted, rejected);
    assertLineCounts(counts, this.source);
    return counts;
  }

  /** Counts over every source ended so far. */
  totals(): LineCounts {
    return toLineCounts(this.totalLines, this.totalAccepted, this.totalRejected);
  }

  private appendCarry(src: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (this.carryTooLong) return; // its first MAX_RAW_BYTES are kept already
    if (this.carryLength + length > this.carry.length) {
      const room = Math.max(0, MAX_RAW_BYTES - this.carryLength);
      this.carry.set(src.subarray(start, start + Math.min(room, length)), this.carryLength);
      this.carryLength = Math.max(this.carryLength, MAX_RAW_BYTES);
      this.carryTooLong = true;
      return;
    }
    this.carry.set(src.subarray(start, end), this.carryLength);
    this.carryLength += length;
  }

  private flushCarry(): void {
    if (this.carryTooLong) {
      this.line++;
      this.rejectBytes(CODE.line_too_long, this.carry, 0, Math.min(this.carryLength, MAX_RAW_BYTES));
    } else {
      this.scanLines(this.carry, 0, this.carryLength);
    }
    this.carryLength = 0;
    this.carryTooLong = false;
  }

  /**
   * Rejects the line that starts at lineStart (already counted in `this.line`) with the
   * reason the fast parser found, unless a more basic fault explains it first: too long,
   * invalid UTF-8, empty, wrong field count. Returns the index after the line's LF.
   */
  protected rejectLine(buf: Uint8Array, lineStart: number, reason: number, fields: number): number {
    // Empty lines first, without a search: a gzip of newlines is millions of them.
    const first = buf[lineStart];
    if (first === LF || (first === CR && buf[lineStart + 1] === LF)) {
      this.rejectBytes(CODE.empty_line, buf, lineStart, lineStart);
      return lineStart + (first === LF ? 1 : 2);
    }
    const lf = buf.indexOf(LF, lineStart);
    const end = lf > lineStart && buf[lf - 1] === CR ? lf - 1 : lf;
    this.rejectBytes(classifyRejected(buf, lineStart, reason, fields), buf, lineStart, end);
    return lf + 1;
  }

  protected rejectBytes(code: number, buf: Uint8Array, start: number, end: number): void {
    const reason = reasonOf(code);
    // Past the cap a reject costs one count: a million empty lines are a million increments.
    if (++this.rejected[code]! <= this.rejectsPerReason && this.onReject !== undefined) {
      const cut = Math.min(end, start + MAX_RAW_BYTES);
      this.onReject({
        source: this.source,
        line: this.line,
        reason,
        raw: decoder.decode(buf.subarray(start, cut)),
      });
    }
  }
}

/**
 * The reason a rejected line (starting at lineStart, ending with LF) is reported with: the
 * most basic fault first (too long, invalid UTF-8, empty, field count), else the parser's.
 */
export function classifyRejected(buf: Uint8Array, lineStart: number, parserReason: number, fields: number): number {
  const lf = buf.indexOf(LF, lineStart);
  const end = lf > lineStart && buf[lf - 1] === CR ? lf - 1 : lf;
  if (end - lineStart > MAX_LINE_BYTES) return CODE.line_too_long;
  if (!isValidUtf8(buf, lineStart, end)) return CODE.invalid_utf8;
  if (end === lineStart) return CODE.empty_line;
  if (countTabs(buf, lineStart, end) !== fields - 1) return CODE.field_count;
  return parserReason;
}

function countTabs(buf: Uint8Array, start: number, end: number): number {
  let tabs = 0;
  for (let i = start; i < end; i++) if (buf[i] === TAB) tabs++;
  return tabs;
}

function toLineCounts(linesRead: number, accepted: number, rejected: ArrayLike<number>): LineCounts {
  const byReason: Partial<Record<RejectReason, number>> = {};
  REJECT_REASONS.forEach((reason, i) => {
    const n = rejected[i] ?? 0;
    if (n > 0) byReason[reason] = n;
  });
  return { linesRead, accepted, rejected: byReason };
}

/** Throws when `linesRead != accepted + sum(rejected)`: a bug, never bad input. */
export function assertLineCounts(counts: LineCounts, what: string): void {
  let sum = 0;
  for (const n of Object.values(counts.rejected)) sum += n ?? 0;
  if (counts.linesRead !== counts.accepted + sum) {
    throw new Error(
      `line counts of ${what} do not add up: linesRead ${counts.linesRead} != accepted ${counts.accepted} + rejected ${sum}`,
    );
  }
}

/** Bytes of a string or a byte array, for the single-line parsers and small inputs. */
const encoder = new TextEncoder();
function toBytes(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? encoder.encode(input) : input;
}

/** A copy of one line (no line end expected) with LF appended, for the single-line parsers. */
export function asLine(input: string | Uint8Array): Uint8Array {
  const bytes = toBytes(input);
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === LF) end--;
  const line = new Uint8Array(end + 1);
  line.set(bytes.subarray(0, end));
  line[end] = LF;
  return line;
}
