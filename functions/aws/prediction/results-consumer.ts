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
    const consumer = Consumer.create({
      queueUrl,
      sqs,
      batchSize: 10,
      waitTimeSeconds: 1,
      messageAttributeNames: ['All'],
      // Returning the messages deletes them.
      handleMessageBatch: async (messages: Message[]) => {
        const done: Message[] = [];
        for (const m of messages) {
          if (handled >= max) break;
          let results: PredictionResult[];
          try {
            results = parseResultsMessage(m.Body ?? '');
          } catch {
            options.onUnreadable?.(m);
            continue;
          }
          results.forEach(options.onResult);
          done.push(m);
          handled += results.length;
        }
        armIdle();
        if (handled >= max) setImmediate(stop);
        return done;
      },
    });
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
