/**
 * SendMessageBatch with its partial failures handled: entries go in batches of at most 10
 * and at most SQS_BATCH_BYTES, `Failed` entries are sent again with exponential backoff,
 * and each caller learns which of its entries were finally accepted. `SqsBatcher` gathers
 * single messages sent in the same turn into those batches, so a record handler can await
 * its own message.
 */
import {
  SendMessageBatchCommand,
  type MessageAttributeValue,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';

const SQS_BATCH_SIZE = 10;

/**
 * Byte budgets, with margin. SQS now takes messages and SendMessageBatch requests of up to
 * 1 MiB each, but its quota pages still say 256 KiB in places, and a queue may be set to
 * MaximumMessageSize 262,144. Under 256 KiB both hold; only poison messages come near it
 * (a result is about 300 bytes), and a bigger poison record is kept in S3 instead.
 */
export const SQS_MESSAGE_BYTES = 240 * 1024;
const SQS_BATCH_BYTES = 240 * 1024;

export interface RetryOptions {
  /** Sends of one entry at most (default 5). */
  readonly maxAttempts?: number;
  /** First pause (default 50 ms), doubled each time, with jitter. */
  readonly baseDelayMs?: number;
}

interface BatchSendReport {
  /** Ids of the entries SQS accepted. */
  readonly sent: string[];
  /** Entries still refused after every attempt, with SQS's reason. */
  readonly failed: { id: string; code: string; message: string }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SendMessageBatch pairs each answer with its entry by Id: one without an Id cannot be matched. */
function idOf(entry: { Id?: string | undefined }): string {
  if (entry.Id === undefined) throw new Error('a SendMessageBatch entry or answer has no Id');
  return entry.Id;
}

/** Sends up to 10 entries; retries the Failed ones (and a thrown request) with backoff. */
async function sendMessageBatchWithRetry(
  sqs: SQSClient,
  queueUrl: string,
  entries: readonly SendMessageBatchRequestEntry[],
  options: RetryOptions = {},
): Promise<BatchSendReport> {
  if (entries.length > SQS_BATCH_SIZE)
    throw new Error(`SendMessageBatch takes at most ${SQS_BATCH_SIZE} entries, got ${entries.length}`);
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelay = options.baseDelayMs ?? 50;
  entries.forEach(idOf); // before the first send: the catch below reads the pending entries' Ids
  const sent: string[] = [];
  let pending = [...entries];
  let lastFailures = new Map<string, { code: string; message: string }>();
  for (let attempt = 1; pending.length > 0 && attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await sleep(baseDelay * 2 ** (attempt - 2) * (0.5 + Math.random()));
    try {
      const response = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      for (const ok of response.Successful ?? []) sent.push(idOf(ok));
      lastFailures = new Map(
        (response.Failed ?? []).map((f) => [idOf(f), { code: f.Code ?? 'Unknown', message: f.Message ?? '' }]),
      );
      // A sender fault is worth retrying; a client fault (a too-big message) will not get better.
      const retry = new Set((response.Failed ?? []).filter((f) => f.SenderFault !== true).map(idOf));
      pending = pending.filter((e) => retry.has(idOf(e)));
    } catch (error) {
      lastFailures = new Map(
        pending.map((e) => [idOf(e), { code: (error as Error).name, message: (error as Error).message }]),
      );
    }
  }
  const accepted = new Set(sent);
  const failed = entries
    .map(idOf)
    .filter((id) => !accepted.has(id))
    .map((id) => ({ id, ...(lastFailures.get(id) ?? { code: 'Unknown', message: 'not accepted' }) }));
  return { sent, failed };
}

/** Entry without its Id: the batcher numbers entries itself. */
export type MessageEntry = Omit<SendMessageBatchRequestEntry, 'Id'>;

/** A message's size as SQS counts it: the body, and each attribute's name, type and value (UTF-8). */
export function messageBytes(entry: MessageEntry): number {
  let bytes = Buffer.byteLength(entry.MessageBody ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) bytes += attributeBytes(name, value);
  return bytes;
}

function attributeBytes(name: string, value: MessageAttributeValue): number {
  const data = value.StringValue ?? '';
  const binary = value.BinaryValue?.byteLength ?? 0;
  return Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(data) + binary;
}

/** Consecutive groups of at most 10 entries and `maxBytes` together; an entry bigger than that goes alone. */
export function splitBatches<T>(items: readonly T[], bytesOf: (item: T) => number, maxBytes = SQS_BATCH_BYTES): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (current.length > 0 && (current.length === SQS_BATCH_SIZE || bytes + size > maxBytes)) {
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

interface Queued {
  readonly id: string;
  readonly entry: MessageEntry;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/**
 * Collects messages for one queue and sends them by 10 (fewer when their bytes add up);
 * `send` resolves when SQS accepted the message and rejects when it was refused after every retry.
 */
export class SqsBatcher {
  private readonly sqs: SQSClient;
  private readonly queueUrl: string;
  private readonly retry: RetryOptions;
  private queued: Queued[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private next = 0;

  constructor(sqs: SQSClient, queueUrl: string, retry: RetryOptions = {}) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.retry = retry;
  }

  send(entry: MessageEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      const bytes = messageBytes(entry);
      this.queued.push({ id: String(this.next++), entry, bytes, resolve, reject });
      this.queuedBytes += bytes;
      if (this.queued.length >= SQS_BATCH_SIZE || this.queuedBytes >= SQS_BATCH_BYTES) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const queued = this.queued;
    this.queued = [];
    this.queuedBytes = 0;
    for (const batch of splitBatches(queued, (q) => q.bytes)) {
      void sendMessageBatchWithRetry(
        this.sqs,
        this.queueUrl,
        batch.map((b) => ({ ...b.entry, Id: b.id })),
        this.retry,
      ).then(
        (report) => {
          const failed = new Map(report.failed.map((f) => [f.id, f]));
          for (const b of batch) {
            const f = failed.get(b.id);
            if (f) b.reject(new Error(`SQS refused the message: ${f.code} ${f.message}`));
            else b.resolve();
          }
        },
        (error: Error) => batch.forEach((b) => b.reject(error)),
      );
    }
  }
}
