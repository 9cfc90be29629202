/**
 * PublishBatch with its limits and partial failures handled: messages gathered in the same
 * turn go out 10 to a call and at most 256 KiB a call (SNS counts bodies and attributes),
 * `Failed` entries that are not the sender's fault are published again with backoff, and each
 * caller's promise says whether its own message was finally accepted. SNS then delivers every
 * message to every subscribed queue.
 */
import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { attributesBytes, BatchedSender, splitBatches, type RetryOptions } from './batched-sender.ts';

/** One message for a topic or queue: its body and message attributes. */
export interface OutgoingMessage {
  readonly body: string;
  readonly attributes?: Readonly<Record<string, { DataType: string; StringValue: string }>>;
}

/** Where a handler sends a message; resolves once the service accepted it. */
export interface MessagePublisher {
  send(message: OutgoingMessage): Promise<void>;
}

/** SNS's limit for one message and for a whole PublishBatch call. */
export const SNS_MAX_BATCH_BYTES = 262_144;

/** The bytes SNS counts for a message: the body plus each attribute's name, type and value. */
export function messageBytes(message: OutgoingMessage): number {
  return Buffer.byteLength(message.body) + attributesBytes(message.attributes);
}

/** Splits messages, in order, into calls of at most 10 entries and 256 KiB (a bigger message goes alone). */
export function splitIntoCalls<T extends OutgoingMessage>(messages: readonly T[]): T[][] {
  return splitBatches(messages, messageBytes, SNS_MAX_BATCH_BYTES);
}

/** Publishes to one topic; `send` resolves when SNS accepted the message, rejects with SNS's reason otherwise. */
export class SnsPublisher implements MessagePublisher {
  private readonly sender: BatchedSender<OutgoingMessage>;

  constructor(sns: SNSClient, topicArn: string, retry: RetryOptions = {}) {
    this.sender = new BatchedSender<OutgoingMessage>({
      call: (entries) =>
        sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries.map(entryOf) })),
      bytesOf: messageBytes,
      maxBytes: SNS_MAX_BATCH_BYTES,
      refused: (reason) =>
        new Error(
          `SNS did not accept the message for ${topicArn}: ${reason ? `${reason.code} ${reason.message}` : 'no answer'}`,
        ),
      retry,
    });
  }

  send(message: OutgoingMessage): Promise<void> {
    return this.sender.send(message);
  }
}

function entryOf({ id, item }: { id: string; item: OutgoingMessage }): PublishBatchRequestEntry {
  const attributes = item.attributes;
  return { Id: id, Message: item.body, ...(attributes ? { MessageAttributes: { ...attributes } } : {}) };
}
