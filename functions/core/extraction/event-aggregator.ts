/**
 * Streaming extraction of a week's event files: bytes in, per-user counts out, in bounded
 * memory (one carry buffer plus the per-user columns). The caller decides where the bytes
 * come from (file or S3, plain or gunzipped) and feeds them chunk by chunk.
 */
import { DEFAULT_CATEGORIES, type Categories } from '#core/schema.ts';
import { weekCalendar, type WeekId } from '#core/weeks.ts';
import { compileCategories, type ByteNames } from './categories.ts';
import { EventAggregate } from './event-aggregate.ts';
import { EVENT_FIELDS, EventBatch, MAX_EVENT_TIME, scanEvent } from './event-line.ts';
import { LineStream } from './line-stream.ts';
import type { LineCounts, RejectSink } from './types.ts';
import { FIRST_HI, FIRST_LO, PLATFORM_COUNT, ROW, UserTable } from './user-table.ts';

/** Lines parsed before they are counted together. */
const BATCH = 256;

export interface EventExtractOptions {
  readonly week: WeekId;
  /** The ISO week numbered week 0 stands for; none: a numbered week's event times are not checked. */
  readonly baseWeek?: WeekId;
  /** Category lists (default: the original ones); platform/event_type must keep their lengths. */
  readonly categories?: Categories;
  /** Receives every rejected line as it is found (up to rejectsPerReason of each reason in a source). */
  readonly onReject?: RejectSink;
  /** Rejects handed to onReject per reason in a source; the rest are only counted (default: all). */
  readonly rejectsPerReason?: number;
}

/** One source of bytes: a name for rejects and the manifest, and its (decompressed) chunks. */
export interface ByteSource {
  readonly name: string;
  readonly chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export class EventAggregator extends LineStream {
  readonly week: WeekId;
  readonly baseWeek: WeekId | undefined;
  private readonly platforms: ByteNames;
  private readonly eventTypes: ByteNames;
  private readonly weekStart: number;
  private readonly weekEnd: number;
  private readonly table: UserTable;
  // Accepted lines waiting to be counted (see scanLines).
  private readonly batch = new EventBatch(BATCH);
  private readonly batchSlots = new Int32Array(BATCH);
  private batchLength = 0;
  private readonly sourceNames: string[] = [];

  constructor(options: EventExtractOptions) {
    super(options.onReject, options.rejectsPerReason);
    const cats = compileCategories(options.categories ?? DEFAULT_CATEGORIES);
    this.platforms = cats.platform;
    this.eventTypes = cats.event_type;
    this.week = options.week;
    this.baseWeek = options.baseWeek;
    // Without a calendar any valid time is in the week, and first-event times are kept
    // from the epoch instead of from the week's start (they fit the table's 32 bits).
    const calendar = weekCalendar(this.week, this.baseWeek);
    this.weekStart = calendar?.start ?? 0;
    this.weekEnd = calendar?.end ?? MAX_EVENT_TIME + 1;
    this.table = new UserTable(this.weekStart);
  }

  override beginSource(name: string): void {
    super.beginSource(name);
    this.sourceNames.push(name);
  }

  /**
   * The hot loop: parse each line in place into a small batch, then count the batch. Two
   * short loops over a batch let the CPU overlap the cache misses of many users' rows,
   * which one parse-then-count loop cannot (the misses sit on a dependent chain).
   */
  protected scanLines(buf: Uint8Array, start: number, stop: number): void {
    const platforms = this.platforms;
    const eventTypes = this.eventTypes;
    const weekStart = this.weekStart;
    const weekEnd = this.weekEnd;
    const batch = this.batch;
    let n = this.batchLength;
    let line = this.line;
    let accepted = this.accepted;
    let p = start;
    while (p < stop) {
      line++;
      const next = scanEvent(buf, p, platforms, eventTypes, weekStart, weekEnd, batch, n);
      if (next < 0) {
        this.line = line;
        p = this.rejectLine(buf, p, -1 - next, EVENT_FIELDS);
        continue;
      }
      p = next;
      accepted++;
      if (++n === BATCH) {
        this.countBatch(n);
        n = 0;
      }
    }
    this.batchLength = n;
    this.line = line;
    this.accepted = accepted;
  }

  private countBatch(n: number): void {
    const table = this.table;
    const users = this.batch.users;
    const slots = this.batchSlots;
    let direct = table.slots.direct;
    let limit = direct.length;
    let rows = table.rows;
    // Pass 1: find each line's slot. Two short loops over a batch let the CPU overlap the
    // lookups' cache misses, which a parse-then-count loop per line cannot.
    // Both loops index arrays within range by construction (i < n ≤ BATCH, a slot's row
    // lies inside rows), so the reads carry `!` instead of checks.
    for (let i = 0; i < n; i++) {
      const userId = users[i]!;
      let slot = userId < limit ? direct[userId]! - 1 : -1;
      if (slot < 0) {
        slot = this.slotOrAdd(userId);
        direct = table.slots.direct;
        limit = direct.length;
        rows = table.rows;
      }
      slots[i] = slot;
    }
    // Pass 2: count.
    const companyIds = table.companyIds;
    const { companies, keys, times } = this.batch;
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!;
      const base = slot * ROW;
      const key = keys[i]!;
      const a = base + (key & 0xff);
      const b = base + PLATFORM_COUNT + (key >> 8);
      if (++rows[a]! === 65536) table.carry(a); // the stored word wrapped to 0
      if (++rows[b]! === 65536) table.carry(b);
      const time = times[i]!;
      if (time < rows[base + FIRST_LO]! + rows[base + FIRST_HI]! * 65536) {
        rows[base + FIRST_LO] = time & 0xffff;
        rows[base + FIRST_HI] = time >>> 16;
        companyIds[slot] = companies[i]!;
      }
    }
  }

  private slotOrAdd(userId: number): number {
    const slot = this.table.slotOf(userId);
    return slot >= 0 ? slot : this.table.addUser(userId);
  }

  override endSource(): LineCounts {
    const counts = super.endSource();
    this.countBatch(this.batchLength);
    this.batchLength = 0;
    return counts;
  }

  /** Ends the last source and hands over the counts. The aggregator is done after this. */
  result(): EventAggregate {
    if (this.inSource) throw new Error(`result() while "${this.source}" is still open: call endSource() first`);
    return new EventAggregate({
      week: this.week,
      baseWeek: this.baseWeek,
      table: this.table,
      lineCounts: this.totals(),
      sources: [...this.sourceNames],
    });
  }
}

export function createEventAggregator(options: EventExtractOptions): EventAggregator {
  return new EventAggregator(options);
}

/** Reads every source in order through one aggregator. */
export async function extractEvents(
  sources: Iterable<ByteSource>,
  options: EventExtractOptions,
): Promise<EventAggregate> {
  const aggregator = createEventAggregator(options);
  for (const source of sources) await feedSource(aggregator, source);
  return aggregator.result();
}

/** Feeds one source into a LineStream and returns its line counts. */
async function feedSource(
  stream: { beginSource(name: string): void; push(chunk: Uint8Array): void; endSource(): LineCounts },
  source: ByteSource,
): Promise<LineCounts> {
  stream.beginSource(source.name);
  for await (const chunk of source.chunks) stream.push(chunk);
  return stream.endSource();
}
