/**
 * Reads one shard ahead of its poller: GetRecords runs while the function handles the
 * previous batch, so the next batch is waiting when the invocation returns instead of the
 * shard sitting idle for a read (kinesalite takes a noticeable time for a large read).
 */
import { GetRecordsCommand, type KinesisClient, type _Record as KinesisRecord } from '@aws-sdk/client-kinesis';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ShardReader {
  /** Records read and not yet taken, oldest first. */
  readonly #records: KinesisRecord[] = [];
  /** When each buffered record was read (ms), for the batching window. */
  readonly #readAt: number[] = [];
  readonly #kinesis: KinesisClient;
  readonly #pollMs: number;
  readonly #readAhead: number;
  #iterator: string | undefined;
  #reading: Promise<void> | undefined;

  constructor(kinesis: KinesisClient, iterator: string | undefined, options: { pollMs: number; readAhead: number }) {
    this.#kinesis = kinesis;
    this.#iterator = iterator;
    this.#pollMs = options.pollMs;
    this.#readAhead = options.readAhead;
  }

  /** Records waiting to be taken. */
  get buffered(): number {
    return this.#records.length;
  }

  /** False once the shard is closed (no next iterator) and every record was taken. */
  get open(): boolean {
    return this.#iterator !== undefined || this.#records.length > 0;
  }

  /** True while more records may come (the shard has a next iterator). */
  get more(): boolean {
    return this.#iterator !== undefined;
  }

  /** When the oldest waiting record was read (ms), or undefined when none waits. */
  get oldestReadAt(): number | undefined {
    return this.#readAt[0];
  }

  /** Starts a read unless one runs, the shard is closed or enough records wait. */
  readAhead(): void {
    if (this.#reading || this.#iterator === undefined || this.#records.length >= this.#readAhead) return;
    this.#reading = this.#read().finally(() => (this.#reading = undefined));
  }

  /** Resolves when the running read ends, or after `ms` when none runs or it takes longer. */
  async settle(ms: number): Promise<void> {
    await Promise.race([this.#reading ?? sleep(ms), sleep(ms)]);
  }

  take(count: number): KinesisRecord[] {
    this.#readAt.splice(0, count);
    return this.#records.splice(0, count);
  }

  async #read(): Promise<void> {
    let got;
    try {
      got = await this.#kinesis.send(new GetRecordsCommand({ ShardIterator: this.#iterator, Limit: 10_000 }));
    } catch {
      await sleep(this.#pollMs); // the emulator is going away or throttling: the next read tries again
      return;
    }
    this.#iterator = got.NextShardIterator;
    const records = got.Records ?? [];
    const now = Date.now();
    for (const record of records) {
      this.#records.push(record);
      this.#readAt.push(now);
    }
    // An empty read waits before the next one, as Lambda's poller does.
    if (records.length === 0) await sleep(this.#pollMs);
  }
}
