/**
 * The event-line parser: one pass over the bytes of a line, field by field, no strings.
 * `anonymous_id user_id company_id platform event_time event_type first_event`.
 *
 * When several fields are wrong, the first wrong field (left to right) gives the reason;
 * `outside_week` is checked last, once every field parsed. The more basic faults (too long,
 * invalid UTF-8, empty, field count) are decided by LineStream.rejectLine, which overrides.
 */
import { weekCalendar, type WeekId } from '#core/weeks.ts';
import { DEFAULT_CATEGORIES, type Categories } from '#core/schema.ts';
import { compileCategories, matchNameAt, type ByteNames } from './categories.ts';
import { CODE, asLine, classifyRejected, reasonOf } from './line-stream.ts';
import type { EventRecord, ParseResult } from './types.ts';

export const EVENT_FIELDS = 7;
/** Ids have at most this many digits (< 2^53, exact as numbers). */
export const MAX_ID_DIGITS = 15;
const MAX_TIME_DIGITS = 10;
/** The latest event_time accepted (2106-02-07): times are kept in 32 bits, one value left as "none". */
export const MAX_EVENT_TIME = 0xffff_fffe;
const TAB = 9;
const LF = 10;
const CR = 13;
const MINUS = 45;

/**
 * Where scanEvent writes a valid line, at index i of each column: the fields the counting
 * needs, nothing else (anonymous_id and first_event are checked, not kept).
 */
export class EventBatch {
  readonly users: Float64Array;
  readonly companies: Float64Array;
  /** platform | event_type << 8 */
  readonly keys: Int32Array;
  /** event_time - week start (0 .. 604799), or event_time itself when the week has no calendar */
  readonly times: Uint32Array;
  constructor(size: number) {
    this.users = new Float64Array(size);
    this.companies = new Float64Array(size);
    this.keys = new Int32Array(size);
    this.times = new Uint32Array(size);
  }
}

/**
 * Parses the line at buf[p] (which must end with LF before the end of buf). On success
 * writes the line to batch at index i and returns the index after the LF; on failure
 * returns -(code + 1) with the reject code of the first wrong field.
 */
export function scanEvent(
  buf: Uint8Array,
  p: number,
  platforms: ByteNames,
  eventTypes: ByteNames,
  weekStart: number,
  weekEnd: number,
  batch: EventBatch,
  i: number,
): number {
  let c: number;
  let v = 0;
  let q = p;
  // anonymous_id: checked, not kept (parseEventLine reads it back); (c - 48) >>> 0 < 10 is one compare
  while ((buf[p]! - 48) >>> 0 < 10) p++;
  if (buf[p] !== TAB || p === q || p - q > MAX_ID_DIGITS) return -1 - idFault(buf, q);
  // user_id
  q = ++p;
  while ((c = buf[p]! - 48) >>> 0 < 10) {
    v = v * 10 + c;
    p++;
  }
  if (buf[p] !== TAB || p === q || p - q > MAX_ID_DIGITS) return -1 - idFault(buf, q);
  const userId = v;
  // company_id
  v = 0;
  q = ++p;
  while ((c = buf[p]! - 48) >>> 0 < 10) {
    v = v * 10 + c;
    p++;
  }
  if (buf[p] !== TAB || p === q || p - q > MAX_ID_DIGITS) return -1 - idFault(buf, q);
  const companyId = v;
  p++;
  // platform, matched in place
  const platform = matchNameAt(platforms, buf, p);
  if (platform < 0) return -1 - CODE.unknown_platform;
  p += platforms.bytes[platform]!.length;
  if (buf[p] !== TAB) return -1 - CODE.unknown_platform; // a line end here: field count
  p++;
  // event_time: whole epoch seconds
  v = 0;
  q = p;
  while ((c = buf[p]! - 48) >>> 0 < 10) {
    v = v * 10 + c;
    p++;
  }
  if (buf[p] !== TAB || p === q || p - q > MAX_TIME_DIGITS || v > MAX_EVENT_TIME) return -1 - CODE.bad_timestamp;
  const time = v;
  p++;
  // event_type
  const eventType = matchNameAt(eventTypes, buf, p);
  if (eventType < 0) return -1 - CODE.unknown_event_type;
  p += eventTypes.bytes[eventType]!.length;
  if (buf[p] !== TAB) return -1 - CODE.unknown_event_type;
  p++;
  // first_event, then the line end
  c = buf[p]!;
  if (c !== 48 && c !== 49) return -1 - CODE.bad_first_event;
  c = buf[++p]!;
  if (c === CR) c = buf[++p]!;
  if (c !== LF) return -1 - CODE.bad_first_event;
  if (time < weekStart || time >= weekEnd) return -1 - CODE.outside_week;
  batch.users[i] = userId;
  batch.companies[i] = companyId;
  batch.keys[i] = platform | (eventType << 8);
  batch.times[i] = time - weekStart;
  return p + 1;
}

/** `-123` is a negative id; anything else that is not digits is not a number. */
export function idFault(buf: Uint8Array, q: number): number {
  if (buf[q] !== MINUS) return CODE.bad_number;
  let p = q + 1;
  let c: number;
  while ((c = buf[p]!) >= 48 && c <= 57) p++;
  return p > q + 1 && (c === TAB || c === LF || c === CR) ? CODE.negative_id : CODE.bad_number;
}

export interface EventLineOptions {
  readonly week: WeekId;
  readonly baseWeek?: WeekId;
  readonly categories?: Categories;
}

/**
 * Parses one event line (without or with its line end). For tests and small inputs; streams
 * go through createEventAggregator, which shares scanEvent. Never throws on bad input.
 */
export function parseEventLine(line: string | Uint8Array, options: EventLineOptions): ParseResult<EventRecord> {
  const cats = compileCategories(options.categories ?? DEFAULT_CATEGORIES);
  const calendar = weekCalendar(options.week, options.baseWeek);
  const span = calendar ?? { start: 0, end: MAX_EVENT_TIME + 1 };
  const buf = asLine(line);
  const batch = new EventBatch(1);
  const r = scanEvent(buf, 0, cats.platform, cats.event_type, span.start, span.end, batch, 0);
  if (r < 0 || r !== buf.length) {
    const code = r < 0 ? -1 - r : CODE.field_count; // r short of the end: a line end inside the input
    return { ok: false, reason: reasonOf(classifyRejected(buf, 0, code, EVENT_FIELDS)) };
  }
  // A valid line: scanEvent wrote it at index 0, and r is past its LF (CR LF) after first_event.
  const key = batch.keys[0]!;
  return {
    ok: true,
    value: {
      anonymousId: Number(new TextDecoder().decode(buf.subarray(0, buf.indexOf(TAB)))),
      userId: batch.users[0]!,
      companyId: batch.companies[0]!,
      platform: key & 0xff,
      eventTime: span.start + batch.times[0]!,
      eventType: key >> 8,
      firstEvent: buf[r - (buf[r - 2] === CR ? 3 : 2)] === 49 ? 1 : 0,
    },
  };
}
