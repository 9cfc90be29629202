/**
 * PublishBatch with its limits and partial failures handled: messages gathered in the same
 * turn go out 10 to a call and at most 256 KiB a call (SNS counts bodies and attributes),
 * `Failed` entries that are not the sender's fault are published again with backoff, and each
 * caller's promise says whether its own message was finally accepted. SNS then delivers every
 * message to every subscribed queue.
 */
import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { splitBatches } from './sqs-batch.ts';

/** One message for a topic or queue: its body and message attributes. */
export interface OutgoingMessage {
  readonly body: string;
  readonly attributes?: Readonly<Record<string, { DataType: string; StringValue: string }>>;
}

/** Where a handler sends a message; resolves once the service accepted it. */
export interface MessagePublisher {
  send(message: OutgoingMessage): Promise<void>;
}

export interface PublishRetryOptions {
  /** Publishes of one entry at most (default 5). */
  readonly maxAttempts?: number;
  /** First pause (default 50 ms), doubled each time, with jitter. */
  readonly baseDelayMs?: number;
}

/** SNS's limit for one message and for a whole PublishBatch call. */
export const SNS_MAX_BATCH_BYTES = 262_144;

/** The bytes SNS counts for a message: the body plus each attribute's name, type and value. */
export function messageBytes(message: OutgoingMessage): number {
  let bytes = Buffer.byteLength(message.body);
  for (const [name, value] of Object.entries(message.attributes ?? {}))
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType) + Buffer.byteLength(value.StringValue);
  return bytes;
}

/** Splits messages, in order, into calls of at most 10 entries and 256 KiB (a bigger message goes alone). */
export function splitIntoCalls<T extends OutgoingMessage>(messages: readonly T[]): T[][] {
  return splitBatches(messages, messageBytes, SNS_MAX_BATCH_BYTES);
}

interface Pending extends OutgoingMessage {
  readonly id: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function entryOf(message: Pending): PublishBatchRequestEntry {
  const attributes = message.attributes;
  return { Id: message.id, Message: message.body, ...(attributes ? { MessageAttributes: { ...attributes } } : {}) };
}

/** Publishes to one topic; `send` resolves when SNS accepted the message, rejects with SNS's reason otherwise. */
export class SnsPublisher implements MessagePublisher {
  private queued: Pending[] = [];
  private scheduled = false;
  private next = 0;

  private readonly sns: SNSClient;
  private readonly topicArn: string;
  private readonly retry: PublishRetryOptions;

  constructor(sns: SNSClient, topicArn: string, retry: PublishRetryOptions = {}) {
    this.sns = sns;
    this.topicArn = topicArn;
    this.retry = retry;
  }

  send(message: OutgoingMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ ...message, id: String(this.next++), resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const calls = splitIntoCalls(this.queued.splice(0));
    for (const call of calls) void this.publish(call);
  }

  private async publish(call: Pending[]): Promise<void> {
    const maxAttempts = this.retry.maxAttempts ?? 5;
    const baseDelay = this.retry.baseDelayMs ?? 50;
    let pending = call;
    let lastError = new Map<string, string>();
    for (let attempt = 1; pending.length > 0 && attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await sleep(baseDelay * 2 ** (attempt - 2) * (0.5 + Math.random()));
      try {
        const out = await this.sns.send(
          new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: pending.map(entryOf) }),
        );
        const accepted = new Set((out.Successful ?? []).map((s) => s.Id));
        const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
        lastError = new Map([...failed].map(([id, f]) => [String(id), `${f.Code ?? 'Unknown'} ${f.Message ?? ''}`]));
        for (const m of pending) if (accepted.has(m.id)) m.resolve();
        for (const m of pending) if (failed.get(m.id)?.SenderFault === true) m.reject(this.refused(lastError, m));
        // Neither accepted nor refused for good (a throttle, or absent from the answer): again.
        pending = pending.filter((m) => !accepted.has(m.id) && failed.get(m.id)?.SenderFault !== true);
      } catch (error) {
        lastError = new Map(pending.map((m) => [m.id, `${(error as Error).name} ${(error as Error).message}`]));
      }
    }
    for (const m of pending) m.reject(this.refused(lastError, m));
  }

  private refused(errors: Map<string, string>, m: Pending): Error {
    return new Error(`SNS did not accept the message for ${this.topicArn}: ${errors.get(m.id) ?? 'no answer'}`);
  }
}
