/**
 * Streaming extraction of a week's event files: bytes in, per-user counts out, in bounded
 * memory (one carry buffer plus the per-user columns). The caller decides where the bytes
 * come from (file or S3, plain or gunzipped) and feeds them chunk by chunk.
 */
import { DEFAULT_CATEGORIES, type Categories } from '#core/schema.ts';
import { weekCalendar, type WeekId } from '#core/weeks.ts';
import { compileCategories, type ByteNames } from './categories.ts';
import { EventAggregate } from './event-aggregate.ts';
import { BatchCounter } from './batch-counter.ts';
import { EVENT_FIELDS, MAX_EVENT_TIME, scanEvent } from './event-line.ts';
import { LineStream } from './line-stream.ts';
import type { LineCounts, RejectSink } from './types.ts';
import { UserTable } from './user-table.ts';

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
  private readonly counter: BatchCounter;
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
    this.counter = new BatchCounter(this.table);
  }

  override beginSource(name: string): void {
    super.beginSource(name);
    this.sourceNames.push(name);
  }

  /**
   * The hot loop: parse each line in place into a batch; a full batch is counted by the
   * BatchCounter (in cache-sized groups of users, see batch-counter.ts).
   */
  protected scanLines(buf: Uint8Array, start: number, stop: number): void {
    const platforms = this.platforms;
    const eventTypes = this.eventTypes;
    const weekStart = this.weekStart;
    const weekEnd = this.weekEnd;
    const counter = this.counter;
    let batch = counter.batch;
    let capacity = counter.capacity;
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
      if (++n === capacity) {
        counter.count(n);
        batch = counter.batch;
        capacity = counter.capacity;
        n = 0;
      }
    }
    this.batchLength = n;
    this.line = line;
    this.accepted = accepted;
  }

  override endSource(): LineCounts {
    const counts = super.endSource();
    this.counter.count(this.batchLength);
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
