/**
 * Prediction results read off the results queue as they arrive (sqs-consumer): each message
 * parsed and handed over, then deleted; a message that is not a result is left on the queue
 * (its redrive policy takes it to the dead-letter queue). Stops after `max` results, after
 * `idleMs` with nothing new, or when the signal aborts.
 */
import { Consumer } from 'sqs-consumer';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { parseResult, type PredictionResult } from '#core/prediction/result.ts';

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
          let result: PredictionResult;
          try {
            result = parseResult(m.Body ?? '');
          } catch {
            options.onUnreadable?.(m);
            continue;
          }
          options.onResult(result);
          done.push(m);
          handled++;
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
