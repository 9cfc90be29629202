/**
 * Streaming extraction of a week's event files: bytes in, per-user counts out, in bounded
 * memory (one carry buffer plus the per-user columns). The caller decides where the bytes
 * come from (file or S3, plain or gunzipped) and feeds them chunk by chunk.
 */
import { DEFAULT_CATEGORIES, type Categories } from '../schema.ts';
import { DEFAULT_BASE_WEEK, weekSpan, type WeekId } from '../weeks.ts';
import { compileCategories, type ByteNames } from './categories.ts';
import { EventAggregate } from './event-aggregate.ts';
import { EVENT_FIELDS, F_COMPANY, F_PLATFORM, F_TIME, F_TYPE, F_USER, scanEvent } from './event-line.ts';
import { LineStream } from './line-stream.ts';
import type { LineCounts, RejectSink } from './types.ts';
import { FIRST_OFFSET, PLATFORM_COUNT, ROW, UserTable } from './user-table.ts';

/** Lines parsed before they are counted together. */
const BATCH = 256;

export interface EventExtractOptions {
  readonly week: WeekId;
  /** The ISO week numbered week 0 stands for (default 2017-W19). */
  readonly baseWeek?: WeekId;
  /** Category lists (default: the original ones); platform/event_type must keep their lengths. */
  readonly categories?: Categories;
  /** Receives every rejected line as it is found. */
  readonly onReject?: RejectSink;
}

/** One source of bytes: a name for rejects and the manifest, and its (decompressed) chunks. */
export interface ByteSource {
  readonly name: string;
  readonly chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export class EventAggregator extends LineStream {
  readonly week: WeekId;
  readonly baseWeek: WeekId;
  private readonly platforms: ByteNames;
  private readonly eventTypes: ByteNames;
  private readonly weekStart: number;
  private readonly weekEnd: number;
  private readonly table: UserTable;
  private readonly fields = new Float64Array(EVENT_FIELDS);
  // Accepted lines waiting to be counted (see scanLines).
  private readonly batchUsers = new Float64Array(BATCH);
  private readonly batchKeys = new Int32Array(BATCH);
  private readonly batchTimes = new Uint32Array(BATCH);
  private readonly batchCompanies = new Float64Array(BATCH);
  private readonly batchSlots = new Int32Array(BATCH);
  private batchLength = 0;
  private readonly sourceNames: string[] = [];

  constructor(options: EventExtractOptions) {
    super(options.onReject);
    const cats = compileCategories(options.categories ?? DEFAULT_CATEGORIES);
    this.platforms = cats.platform;
    this.eventTypes = cats.event_type;
    this.week = options.week;
    this.baseWeek = options.baseWeek ?? DEFAULT_BASE_WEEK;
    const span = weekSpan(this.week, this.baseWeek);
    this.weekStart = span.start;
    this.weekEnd = span.end;
    this.table = new UserTable(span.start);
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
    const out = this.fields;
    const platforms = this.platforms;
    const eventTypes = this.eventTypes;
    const weekStart = this.weekStart;
    const weekEnd = this.weekEnd;
    const users = this.batchUsers;
    const keys = this.batchKeys;
    const times = this.batchTimes;
    const companies = this.batchCompanies;
    let n = this.batchLength;
    let line = this.line;
    let accepted = this.accepted;
    let p = start;
    while (p < stop) {
      line++;
      const next = scanEvent(buf, p, platforms, eventTypes, weekStart, weekEnd, out);
      if (next < 0) {
        this.line = line;
        p = this.rejectLine(buf, p, -1 - next, EVENT_FIELDS);
        continue;
      }
      p = next;
      accepted++;
      users[n] = out[F_USER];
      keys[n] = out[F_PLATFORM] | (out[F_TYPE] << 8);
      times[n] = out[F_TIME] - weekStart;
      companies[n] = out[F_COMPANY];
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
    const users = this.batchUsers;
    const slots = this.batchSlots;
    let direct = table.slots.direct;
    for (let i = 0; i < n; i++) {
      const userId = users[i];
      let slot = userId < direct.length ? direct[userId] - 1 : table.slotOf(userId);
      if (slot < 0) {
        slot = table.addUser(userId);
        direct = table.slots.direct;
      }
      slots[i] = slot;
    }
    const rows = table.rows;
    const companyIds = table.companyIds;
    const keys = this.batchKeys;
    const times = this.batchTimes;
    for (let i = 0; i < n; i++) {
      const slot = slots[i];
      const base = slot * ROW;
      const key = keys[i];
      rows[base + (key & 0xff)]++;
      rows[base + PLATFORM_COUNT + (key >> 8)]++;
      const time = times[i];
      if (time < rows[base + FIRST_OFFSET]) {
        rows[base + FIRST_OFFSET] = time;
        companyIds[slot] = this.batchCompanies[i];
      }
    }
  }

  override endSource(): LineCounts {
    const counts = super.endSource();
    this.countBatch(this.batchLength);
    this.batchLength = 0;
    return counts;
  }

  /** Ends the last source and hands over the counts. The aggregator is done after this. */
  result(): EventAggregate {
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
export async function extractEvents(sources: Iterable<ByteSource>, options: EventExtractOptions): Promise<EventAggregate> {
  const aggregator = createEventAggregator(options);
  for (const source of sources) await feedSource(aggregator, source);
  return aggregator.result();
}

/** Feeds one source into a LineStream and returns its line counts. */
export async function feedSource(
  stream: { beginSource(name: string): void; push(chunk: Uint8Array): void; endSource(): LineCounts },
  source: ByteSource,
): Promise<LineCounts> {
  stream.beginSource(source.name);
  for await (const chunk of source.chunks) stream.push(chunk);
  return stream.endSource();
}
