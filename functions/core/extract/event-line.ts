/**
 * The event-line parser: one pass over the bytes of a line, field by field, no strings.
 * `anonymous_id user_id company_id platform event_time event_type first_event`.
 *
 * When several fields are wrong, the first wrong field (left to right) gives the reason;
 * `outside_week` is checked last, once every field parsed. The more basic faults (too long,
 * invalid UTF-8, empty, field count) are decided by LineStream.rejectLine, which overrides.
 */
import { DEFAULT_BASE_WEEK, weekSpan, type WeekId } from '../weeks.ts';
import { DEFAULT_CATEGORIES, type Categories } from '../schema.ts';
import { compileCategories, matchNameAt, type ByteNames } from './categories.ts';
import { CODE, asLine, classifyRejected } from './line-stream.ts';
import { REJECT_REASONS, type EventRecord, type ParseResult } from './types.ts';

export const EVENT_FIELDS = 7;
/** Ids have at most this many digits (< 2^53, exact as numbers). */
export const MAX_ID_DIGITS = 15;
const MAX_TIME_DIGITS = 12;
const TAB = 9;
const LF = 10;
const CR = 13;
const MINUS = 45;

/** Where scanEvent writes a valid line's fields, by index. */
export const F_ANON = 0;
export const F_USER = 1;
export const F_COMPANY = 2;
export const F_PLATFORM = 3;
export const F_TIME = 4;
export const F_TYPE = 5;
export const F_FIRST = 6;

/**
 * Parses the line at buf[p] (which must end with LF before the end of buf). On success
 * writes the 7 fields to out and returns the index after the LF; on failure returns
 * -(code + 1) with the reject code of the first wrong field.
 */
export function scanEvent(
  buf: Uint8Array,
  p: number,
  platforms: ByteNames,
  eventTypes: ByteNames,
  weekStart: number,
  weekEnd: number,
  out: Float64Array,
): number {
  let c = 0;
  let v = 0;
  let q = p;
  // anonymous_id, user_id, company_id: digits only; (c - 48) >>> 0 < 10 is one compare
  for (let f = 0; f < 3; f++) {
    v = 0;
    q = p;
    while ((c = buf[p] - 48) >>> 0 < 10) {
      v = v * 10 + c;
      p++;
    }
    if (buf[p] !== TAB || p === q || p - q > MAX_ID_DIGITS) return -1 - idFault(buf, q);
    out[f] = v;
    p++;
  }
  // platform, matched in place
  const platform = matchNameAt(platforms, buf, p);
  if (platform < 0) return -1 - CODE.unknown_platform;
  p += platforms.bytes[platform].length;
  if (buf[p] !== TAB) return -1 - CODE.unknown_platform; // a line end here: field count
  out[F_PLATFORM] = platform;
  p++;
  // event_time: whole epoch seconds
  v = 0;
  q = p;
  while ((c = buf[p] - 48) >>> 0 < 10) {
    v = v * 10 + c;
    p++;
  }
  if (buf[p] !== TAB || p === q || p - q > MAX_TIME_DIGITS) return -1 - CODE.bad_timestamp;
  out[F_TIME] = v;
  p++;
  // event_type
  const eventType = matchNameAt(eventTypes, buf, p);
  if (eventType < 0) return -1 - CODE.unknown_event_type;
  p += eventTypes.bytes[eventType].length;
  if (buf[p] !== TAB) return -1 - CODE.unknown_event_type;
  out[F_TYPE] = eventType;
  p++;
  // first_event, then the line end
  c = buf[p];
  if (c !== 48 && c !== 49) return -1 - CODE.bad_first_event;
  out[F_FIRST] = c - 48;
  c = buf[++p];
  if (c === CR) c = buf[++p];
  if (c !== LF) return -1 - CODE.bad_first_event;
  if (v < weekStart || v >= weekEnd) return -1 - CODE.outside_week;
  return p + 1;
}

/** `-123` is a negative id; anything else that is not digits is not a number. */
export function idFault(buf: Uint8Array, q: number): number {
  if (buf[q] !== MINUS) return CODE.bad_number;
  let p = q + 1;
  let c = 0;
  while ((c = buf[p]) >= 48 && c <= 57) p++;
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
  const span = weekSpan(options.week, options.baseWeek ?? DEFAULT_BASE_WEEK);
  const buf = asLine(line);
  const out = new Float64Array(EVENT_FIELDS);
  const r = scanEvent(buf, 0, cats.platform, cats.event_type, span.start, span.end, out);
  if (r < 0 || r !== buf.length) {
    const code = r < 0 ? -1 - r : CODE.field_count; // r short of the end: a line end inside the input
    return { ok: false, reason: REJECT_REASONS[classifyRejected(buf, 0, code, EVENT_FIELDS)] };
  }
  return {
    ok: true,
    value: {
      anonymousId: out[F_ANON],
      userId: out[F_USER],
      companyId: out[F_COMPANY],
      platform: out[F_PLATFORM],
      eventTime: out[F_TIME],
      eventType: out[F_TYPE],
      firstEvent: out[F_FIRST] as 0 | 1,
    },
  };
}
