/**
 * SendMessageBatch over the one batching mechanism (batched-sender.ts): `SqsBatcher` gathers
 * single messages sent in the same turn into batches of at most 10 entries and SQS_BATCH_BYTES,
 * sends them as soon as a batch is full, retries `Failed` entries with backoff, and each caller
 * learns whether its own message was finally accepted.
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { attributesBytes, BatchedSender, type RetryOptions } from './batched-sender.ts';

export type { RetryOptions } from './batched-sender.ts';

/**
 * Byte budgets, with margin. SQS now takes messages and SendMessageBatch requests of up to
 * 1 MiB each, but its quota pages still say 256 KiB in places, and a queue may be set to
 * MaximumMessageSize 262,144. Under 256 KiB both hold; only poison messages come near it
 * (a result is about 300 bytes), and a bigger poison record is kept in S3 instead.
 */
export const SQS_MESSAGE_BYTES = 240 * 1024;
const SQS_BATCH_BYTES = 240 * 1024;

/** Entry without its Id: the batcher numbers entries itself. */
export type MessageEntry = Omit<SendMessageBatchRequestEntry, 'Id'>;

/** A message's size as SQS counts it: the body, and each attribute's name, type and value (UTF-8). */
export function messageBytes(entry: MessageEntry): number {
  return Buffer.byteLength(entry.MessageBody ?? '') + attributesBytes(entry.MessageAttributes);
}

/** Sends to one queue; `send` resolves when SQS accepted the message and rejects when it was refused after every retry. */
export class SqsBatcher {
  private readonly sender: BatchedSender<MessageEntry>;

  constructor(sqs: SQSClient, queueUrl: string, retry: RetryOptions = {}) {
    this.sender = new BatchedSender<MessageEntry>({
      call: (entries) =>
        sqs.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries.map((e) => ({ ...e.item, Id: e.id })) }),
        ),
      bytesOf: messageBytes,
      maxBytes: SQS_BATCH_BYTES,
      refused: (reason) =>
        new Error(`SQS refused the message: ${reason?.code ?? 'Unknown'} ${reason?.message ?? 'not accepted'}`),
      retry,
      sendWhenFull: true,
    });
  }

  send(entry: MessageEntry): Promise<void> {
    return this.sender.send(entry);
  }
}
