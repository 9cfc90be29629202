/**
 * An SQS event source mapping, run locally as Lambda runs one: up to
 * ScalingConfig.MaximumConcurrency batches at once (else five, as Lambda starts). One poller
 * at a time long-polls the queue and gathers messages ten at a time until the batch size,
 * the payload limit or the batching window; then it invokes the function with a real
 * SQSEvent while the next poller gathers (so a trickle is not split among idle pollers). What succeeded is deleted; a function error
 * leaves the whole batch, and `batchItemFailures` (with ReportBatchItemFailures) leave
 * their messages, to come back after the visibility timeout. The queue's redrive policy
 * moves a message received too often to its dead-letter queue (fauxqs does it on receive).
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { InvocationResult } from './lambda-runtime.ts';
import type { EventSourceMappingSpec } from './template.ts';

type SqsMappingSettings = Pick<
  EventSourceMappingSpec,
  'batchSize' | 'maximumBatchingWindowSeconds' | 'reportBatchItemFailures' | 'maximumConcurrency'
>;

export interface SqsBatchOutcome {
  readonly queue: string;
  readonly records: number;
  /** 'ok', 'partial' (some messages left for a retry), 'error' (the function failed: all left). */
  readonly outcome: 'ok' | 'partial' | 'error';
  readonly reason?: string;
}

export interface SqsPollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly settings: SqsMappingSettings;
  readonly invoke: (event: SQSEvent) => Promise<InvocationResult>;
  readonly onBatch?: (outcome: SqsBatchOutcome) => void;
  /** A poll that failed (the poller looks again shortly). */
  readonly onError?: (error: Error) => void;
  /** Pause between receives that found nothing while a batch is gathered (default 50 ms). */
  readonly gatherPollMs?: number;
}

/** Lambda starts an SQS mapping with five concurrent batches. */
const DEFAULT_POLLERS = 5;
/** A synchronous invocation's payload limit: a batch stops growing before it. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024 - 64 * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SqsPoller {
  readonly #options: SqsPollerOptions;
  #running = false;
  #loops: Promise<void>[] = [];
  /** Batches being gathered or invoked. */
  #active = 0;
  /** Messages on the queue at the last look (visible, in flight or delayed). */
  #queued = 0;
  /** The poller gathering now: the others wait their turn. */
  #gathering: Promise<unknown> = Promise.resolve();

  constructor(options: SqsPollerOptions) {
    this.#options = options;
  }

  start(): void {
    this.#running = true;
    const pollers = this.#options.settings.maximumConcurrency ?? DEFAULT_POLLERS;
    this.#loops = Array.from({ length: pollers }, () => this.#poll());
  }

  /** True while a batch is gathered or invoked, or the queue held messages when last looked at. */
  get busy(): boolean {
    return this.#active > 0 || this.#queued > 0;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.allSettled(this.#loops);
  }

  async #poll(): Promise<void> {
    while (this.#running) {
      try {
        const batch = await this.#takeTurn(() => this.#gather());
        if (batch.length === 0) continue;
        try {
          if (this.#running) await this.#process(batch);
          // Messages left for a retry keep the mapping busy until they are handled.
          if (this.#running) this.#queued = await this.#depth();
        } finally {
          this.#active--;
        }
      } catch (error) {
        // The emulator stopping under a poll, or a passing refusal: look again shortly.
        if (!this.#running) return;
        this.#options.onError?.(error as Error);
        await sleep(200);
      }
    }
  }

  /** Runs `gather` once no other poller is gathering. */
  #takeTurn(gather: () => Promise<Message[]>): Promise<Message[]> {
    const turn = this.#gathering.then(gather);
    this.#gathering = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Lambda fills a batch until its size, the payload limit or the window (from the first
   * message) closes. Empty when a long poll found nothing; else the batch counts as active.
   */
  async #gather(): Promise<Message[]> {
    const { batchSize, maximumBatchingWindowSeconds } = this.#options.settings;
    const first = this.#running ? await this.#receive(Math.min(10, batchSize), 1) : [];
    if (first.length === 0) {
      this.#queued = this.#running ? await this.#depth() : 0;
      return [];
    }
    this.#active++;
    try {
      return await this.#fill(first, Date.now() + maximumBatchingWindowSeconds * 1000, batchSize);
    } catch (error) {
      // What was received comes back after its visibility timeout.
      this.#active--;
      throw error;
    }
  }

  async #fill(first: Message[], closes: number, batchSize: number): Promise<Message[]> {
    const batch = [...first];
    let bytes = sizeOf(batch);
    while (this.#running && batch.length < batchSize && bytes < MAX_PAYLOAD_BYTES && Date.now() < closes) {
      const more = await this.#receive(Math.min(10, batchSize - batch.length), 0);
      if (more.length === 0) await sleep(this.#options.gatherPollMs ?? 50);
      batch.push(...more);
      bytes += sizeOf(more);
    }
    return batch;
  }

  async #process(batch: Message[]): Promise<void> {
    const { queueUrl, onBatch } = this.#options;
    const result = await this.#options.invoke(this.#event(batch));
    const failed = this.#failedIds(result, batch);
    const done = batch.filter((m) => !failed.has(m.MessageId ?? ''));
    await this.#delete(done);
    const outcome = !result.ok ? 'error' : failed.size > 0 ? 'partial' : 'ok';
    onBatch?.({ queue: queueUrl, records: batch.length, outcome, reason: result.error?.errorMessage });
  }

  /** The messages to leave on the queue: all on a function error or a failure naming no message of the batch. */
  #failedIds(result: InvocationResult, batch: Message[]): Set<string> {
    const all = new Set(batch.map((m) => m.MessageId ?? ''));
    if (!result.ok) return all;
    if (!this.#options.settings.reportBatchItemFailures) return new Set();
    const failures = (result.payload as { batchItemFailures?: { itemIdentifier?: unknown }[] } | null)
      ?.batchItemFailures;
    if (!Array.isArray(failures)) return new Set();
    const failed = new Set<string>();
    for (const failure of failures) {
      const id = failure?.itemIdentifier;
      if (typeof id !== 'string' || !all.has(id)) return all;
      failed.add(id);
    }
    return failed;
  }

  async #delete(messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const entries = messages.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle }));
      await this.#options.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.#options.queueUrl, Entries: entries }),
      );
    }
  }

  async #receive(max: number, waitSeconds: number): Promise<Message[]> {
    const received = await this.#options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#options.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return received.Messages ?? [];
  }

  async #depth(): Promise<number> {
    const got = await this.#options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.#options.queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return Object.values(got.Attributes ?? {}).reduce((sum, n) => sum + Number(n ?? 0), 0);
  }

  #event(batch: Message[]): SQSEvent {
    const { queueArn, region } = this.#options;
    return { Records: batch.map((m) => sqsRecord(m, queueArn, region)) };
  }
}

const sizeOf = (messages: Message[]) => messages.reduce((sum, m) => sum + Buffer.byteLength(m.Body ?? ''), 0);

/** A received message as Lambda hands it to the function. */
function sqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const now = String(Date.now());
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {}))
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
    };
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? now,
      SenderId: attributes.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? now,
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
