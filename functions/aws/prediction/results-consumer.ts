/**
 * Prediction results read off a results queue as they arrive (sqs-consumer): each message
 * parsed, every result it carries handed over, then the message deleted; a message that is not
 * a results message is left on the queue (its redrive policy takes it to the dead-letter
 * queue). Stops once `max` results were handed over (whole messages: a message's results are
 * never half handed over and then deleted), after `idleMs` with nothing new, or when the
 * signal aborts.
 */
import { Consumer } from 'sqs-consumer';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { parseResultsMessage, type PredictionResult } from '#core/prediction/result.ts';

export interface ConsumeOptions {
  readonly max?: number;
  readonly idleMs?: number;
  readonly signal?: AbortSignal;
  readonly onResult: (result: PredictionResult) => void;
  readonly onUnreadable?: (message: Message) => void;
}

export interface ConsumeReport {
  readonly handled: number;
  /** The receive error that stopped the consumer, if one did. */
  readonly error?: Error;
}

/** A results message and the results it carries. */
export interface ResultsReceived {
  readonly message: Message;
  readonly results: PredictionResult[];
}

/**
 * An sqs-consumer over a results queue, 10 messages a receive: each batch's readable messages
 * are handed to `take` with their results, and the messages it returns are deleted; a message
 * that is not a results message goes to `onUnreadable` and stays on the queue.
 */
export function resultsQueueConsumer(
  sqs: SQSClient,
  queueUrl: string,
  take: (received: ResultsReceived[]) => Message[],
  onUnreadable?: (message: Message) => void,
): Consumer {
  return Consumer.create({
    queueUrl,
    sqs,
    batchSize: 10,
    waitTimeSeconds: 1,
    messageAttributeNames: ['All'],
    // Returning the messages deletes them.
    handleMessageBatch: async (messages: Message[]) => {
      const received: ResultsReceived[] = [];
      for (const message of messages) {
        try {
          received.push({ message, results: parseResultsMessage(message.Body ?? '') });
        } catch {
          onUnreadable?.(message);
        }
      }
      return take(received);
    },
  });
}

export function consumeResults(sqs: SQSClient, queueUrl: string, options: ConsumeOptions): Promise<ConsumeReport> {
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  let handled = 0;
  let error: Error | undefined;
  return new Promise((resolve) => {
    let idleTimer: NodeJS.Timeout | undefined;
    const armIdle = () => {
      if (options.idleMs === undefined) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(stop, options.idleMs);
    };
    const take = (received: ResultsReceived[]) => {
      const done: Message[] = [];
      for (const { message, results } of received) {
        if (handled >= max) break;
        results.forEach(options.onResult);
        done.push(message);
        handled += results.length;
      }
      // Only results count as something new: a message left unread comes back without end.
      if (done.length > 0) armIdle();
      if (handled >= max) setImmediate(stop);
      return done;
    };
    const consumer = resultsQueueConsumer(sqs, queueUrl, take, options.onUnreadable);
    consumer.on('error', (e) => {
      error = e;
      stop();
    });
    function stop() {
      clearTimeout(idleTimer);
      options.signal?.removeEventListener('abort', stop);
      consumer.once('stopped', () => resolve({ handled, error }));
      consumer.stop({ abort: false });
    }
    options.signal?.addEventListener('abort', stop);
    armIdle();
    consumer.start();
  });
}
