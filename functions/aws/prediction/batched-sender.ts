/**
 * The one mechanism behind SNS PublishBatch and SQS SendMessageBatch: messages sent in the same
 * turn are gathered, split into calls of at most 10 entries and a byte budget, each call is
 * made, its `Failed` entries that are not the sender's fault are sent again with exponential
 * backoff and jitter, and every caller's promise follows its own entry's fate. An adapter says
 * only how a call is made; both services answer in the same shape (`Successful`, `Failed`).
 */

/** A caller waiting for its item's fate. */
export interface Waiting<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Gathers items sent in the same turn of the event loop and hands them over together on the next
 * one (or at once, when `full` says a call's worth is waiting), so that a record handler can
 * await its own message while the messages of many records share calls.
 */
export class SameTurnGatherer<T> {
  private queued: Waiting<T>[] = [];
  private scheduled = false;
  private readonly flush: (waiting: Waiting<T>[]) => void;
  private readonly full: (waiting: readonly Waiting<T>[]) => boolean;

  constructor(flush: (waiting: Waiting<T>[]) => void, full: (waiting: readonly Waiting<T>[]) => boolean = () => false) {
    this.flush = flush;
    this.full = full;
  }

  send(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ item, resolve, reject });
      if (this.full(this.queued)) this.hand();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.hand());
      }
    });
  }

  private hand(): void {
    this.scheduled = false;
    const waiting = this.queued.splice(0);
    if (waiting.length > 0) this.flush(waiting);
  }
}

/** Both PublishBatch and SendMessageBatch take at most 10 entries a call. */
const BATCH_ENTRIES = 10;

/** Consecutive groups of at most 10 items and `maxBytes` together; an item bigger than that goes alone. */
export function splitBatches<T>(items: readonly T[], bytesOf: (item: T) => number, maxBytes = Infinity): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (current.length > 0 && (current.length === BATCH_ENTRIES || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

interface AttributeValue {
  readonly DataType?: string | undefined;
  readonly StringValue?: string | undefined;
  readonly BinaryValue?: Uint8Array | undefined;
}

/** The bytes SNS and SQS both count for message attributes: each one's name, type and value (UTF-8). */
export function attributesBytes(attributes: Readonly<Record<string, AttributeValue>> = {}): number {
  let bytes = 0;
  for (const [name, { DataType = '', StringValue = '', BinaryValue }] of Object.entries(attributes))
    bytes += Buffer.byteLength(name + DataType + StringValue) + (BinaryValue?.byteLength ?? 0);
  return bytes;
}

/** What PublishBatch and SendMessageBatch both answer, entry by entry (by the Id the sender gave). */
export interface BatchAnswer {
  readonly Successful?: readonly { readonly Id?: string | undefined }[] | undefined;
  readonly Failed?:
    | readonly {
        readonly Id?: string | undefined;
        readonly Code?: string | undefined;
        readonly Message?: string | undefined;
        readonly SenderFault?: boolean | undefined;
      }[]
    | undefined;
}

/** Why an entry was not accepted: the service's code and message, or a thrown request's name and message. */
interface Refusal {
  readonly code: string;
  readonly message: string;
}

export interface RetryOptions {
  /** Sends of one entry at most (default 5). */
  readonly maxAttempts?: number;
  /** First pause (default 50 ms), doubled each time, with jitter. */
  readonly baseDelayMs?: number;
}

export interface BatchedSenderOptions<T> {
  /** Makes one call with up to 10 entries, each with its Id. */
  readonly call: (entries: readonly { readonly id: string; readonly item: T }[]) => Promise<BatchAnswer>;
  readonly bytesOf: (item: T) => number;
  /** Bytes of one call at most. */
  readonly maxBytes: number;
  /** The error a caller's promise rejects with; `undefined` when the service never answered for the entry. */
  readonly refused: (reason: Refusal | undefined) => Error;
  readonly retry?: RetryOptions | undefined;
  /** Sends as soon as a call's worth (10 entries or `maxBytes`) is waiting, rather than at the turn's end. */
  readonly sendWhenFull?: boolean;
}

/** An item as it waits: numbered for its call's answer, its bytes counted once. */
interface Entry<T> {
  readonly id: string;
  readonly item: T;
  readonly bytes: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Gathers, splits, calls with retries and settles every caller: `send` resolves once the service accepted the item. */
export class BatchedSender<T> {
  private readonly options: BatchedSenderOptions<T>;
  private readonly gatherer: SameTurnGatherer<Entry<T>>;
  private next = 0;
  private queuedBytes = 0;

  constructor(options: BatchedSenderOptions<T>) {
    this.options = options;
    const full = (waiting: readonly unknown[]) =>
      waiting.length >= BATCH_ENTRIES || this.queuedBytes >= options.maxBytes;
    this.gatherer = new SameTurnGatherer((w) => this.flush(w), options.sendWhenFull === true ? full : undefined);
  }

  send(item: T): Promise<void> {
    const bytes = this.options.bytesOf(item);
    this.queuedBytes += bytes;
    return this.gatherer.send({ id: String(this.next++), item, bytes });
  }

  private flush(waiting: Waiting<Entry<T>>[]): void {
    this.queuedBytes = 0;
    for (const call of splitBatches(waiting, (w) => w.item.bytes, this.options.maxBytes)) void this.sendWithRetry(call);
  }

  private async sendWithRetry(call: Waiting<Entry<T>>[]): Promise<void> {
    const maxAttempts = this.options.retry?.maxAttempts ?? 5;
    const baseDelay = this.options.retry?.baseDelayMs ?? 50;
    const refused = (w: Waiting<Entry<T>>) => w.reject(this.options.refused(reasons.get(w.item.id)));
    let pending = call;
    let reasons = new Map<string | undefined, Refusal>();
    for (let attempt = 1; pending.length > 0 && attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await sleep(baseDelay * 2 ** (attempt - 2) * (0.5 + Math.random()));
      try {
        const answer = await this.options.call(pending.map((w) => w.item));
        const accepted = new Set((answer.Successful ?? []).map((s) => s.Id));
        const failed = new Map((answer.Failed ?? []).map((f) => [f.Id, f]));
        reasons = new Map([...failed].map(([id, f]) => [id, { code: f.Code ?? 'Unknown', message: f.Message ?? '' }]));
        // A sender fault (a too-big message) will not get better by sending it again.
        const final = (w: Waiting<Entry<T>>) => failed.get(w.item.id)?.SenderFault === true;
        for (const w of pending) if (accepted.has(w.item.id)) w.resolve();
        for (const w of pending) if (final(w)) refused(w);
        // Neither accepted nor refused for good (a throttle, or absent from the answer): again.
        pending = pending.filter((w) => !accepted.has(w.item.id) && !final(w));
      } catch (error) {
        const { name, message } = error as Error;
        reasons = new Map(pending.map((w) => [w.item.id, { code: name, message }]));
      }
    }
    pending.forEach(refused);
  }
}
