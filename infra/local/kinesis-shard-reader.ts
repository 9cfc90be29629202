/**
 * Reads one shard ahead of its poller: GetRecords runs while the function handles the
 * previous batch, so the next batch is waiting when the invocation returns instead of the
 * shard sitting idle for a read (kinesalite takes a noticeable time for a large read).
 *
 * With a parallelization factor above 1 the records are dealt into that many lanes by a
 * hash of their partition key, as Lambda does: each lane is handled one batch at a time,
 * so the records of one key keep their order while the lanes run side by side.
 */
import type { ReadRecords, StreamRecord } from './kinesis-get-records.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ShardReaderOptions {
  /** Pause after an empty or failed read. */
  readonly pollMs: number;
  /** Records kept waiting (all lanes together) before reading stops until some are taken. */
  readonly readAhead: number;
  /** Lanes the records are dealt into (the parallelization factor; default 1). */
  readonly lanes?: number;
}

interface Lane {
  /** Records read and not yet taken, oldest first. */
  readonly records: StreamRecord[];
  /** When each waiting record was read (ms), for the batching window. */
  readonly readAt: number[];
}

/** The lane of a partition key: FNV-1a, cheap and stable, so one key always lands in one lane. */
function laneOf(partitionKey: string | undefined, lanes: number): number {
  if (lanes <= 1) return 0;
  let hash = 0x811c9dc5;
  const key = partitionKey ?? '';
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}

export class ShardReader {
  readonly #lanes: Lane[];
  readonly #readRecords: ReadRecords;
  readonly #pollMs: number;
  readonly #readAhead: number;
  #buffered = 0;
  #iterator: string | undefined;
  #reading: Promise<void> | undefined;
  /** Resolved after each read, so that every lane waiting for records wakes when some come. */
  #readDone = Promise.withResolvers<void>();

  constructor(readRecords: ReadRecords, iterator: string | undefined, options: ShardReaderOptions) {
    this.#readRecords = readRecords;
    this.#iterator = iterator;
    this.#pollMs = options.pollMs;
    this.#readAhead = options.readAhead;
    this.#lanes = Array.from({ length: Math.max(1, options.lanes ?? 1) }, () => ({ records: [], readAt: [] }));
  }

  get lanes(): number {
    return this.#lanes.length;
  }

  /** Records waiting to be taken, in all lanes. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Records waiting in one lane. */
  waiting(lane: number): number {
    return this.#lane(lane).records.length;
  }

  /** False once the shard is closed (no next iterator) and every record was taken. */
  get open(): boolean {
    return this.#iterator !== undefined || this.#buffered > 0;
  }

  /** True while more records may come (the shard has a next iterator). */
  get more(): boolean {
    return this.#iterator !== undefined;
  }

  /** When the oldest record waiting in `lane` was read (ms), or undefined when none waits. */
  oldestReadAt(lane = 0): number | undefined {
    return this.#lane(lane).readAt[0];
  }

  /** Starts a read unless one runs, the shard is closed or enough records wait. */
  readAhead(): void {
    if (this.#reading || this.#iterator === undefined || this.#buffered >= this.#readAhead) return;
    this.#reading = this.#read().finally(() => {
      this.#reading = undefined;
      this.#readDone.resolve();
      this.#readDone = Promise.withResolvers<void>();
    });
  }

  /** Resolves when the next read ends, or after `ms` when that takes longer. */
  async settle(ms: number): Promise<void> {
    await Promise.race([this.#readDone.promise, sleep(ms)]);
  }

  /** Up to `count` of the oldest records waiting in `lane`. */
  take(count: number, lane = 0): StreamRecord[] {
    const { records, readAt } = this.#lane(lane);
    readAt.splice(0, count);
    const taken = records.splice(0, count);
    this.#buffered -= taken.length;
    return taken;
  }

  #lane(index: number): Lane {
    const lane = this.#lanes[index];
    if (!lane) throw new RangeError(`lane ${index} of ${this.#lanes.length}`);
    return lane;
  }

  async #read(): Promise<void> {
    if (this.#iterator === undefined) return;
    let got;
    try {
      got = await this.#readRecords(this.#iterator, 10_000);
    } catch {
      await sleep(this.#pollMs); // the emulator is going away or throttling: the next read tries again
      return;
    }
    this.#iterator = got.nextIterator;
    const { records } = got;
    const now = Date.now();
    for (const record of records) {
      const lane = this.#lane(laneOf(record.PartitionKey, this.#lanes.length));
      lane.records.push(record);
      lane.readAt.push(now);
    }
    this.#buffered += records.length;
    // An empty read waits before the next one, as Lambda's poller does.
    if (records.length === 0) await sleep(this.#pollMs);
  }
}
