/**
 * `retention results`: prints prediction results as they arrive on the results queue and
 * deletes each once printed (sqs-consumer). Ctrl-C stops; --max N stops after N.
 */
import { Consumer } from 'sqs-consumer';
import type { Message } from '@aws-sdk/client-sqs';
import { EXIT_FAILED, EXIT_OK, integer, duration, type Command } from '../cli-kit.ts';
import { parseResult, type PredictionResult } from '../../functions/core/prediction/result.ts';
import { findPredictionTarget, targetOptions, targetUsage } from '../prediction-target.ts';

export const command: Command = {
  summary: 'print prediction results from the results queue as they arrive (and delete them)',
  usage: `usage: retention results [--max N] [--idle D] [--json]

Receives the result messages { resultId, userId, round, retained, probability,
modelVersion, scoredAt }, prints one line each (or the JSON with --json) and deletes them.
Runs until Ctrl-C.

  --max N     stop after N results
  --idle D    stop when nothing arrived for D (e.g. 10s)
  --json      print each message body as one JSON line

${targetUsage}
`,
  options: { max: { type: 'string' }, idle: { type: 'string' }, json: { type: 'boolean' }, ...targetOptions },
  async run(args) {
    const max = integer(args, 'max', Number.MAX_SAFE_INTEGER, 1);
    const idleMs = args.values.idle === undefined ? undefined : duration(args, 'idle', 0);
    const json = args.values.json === true;
    const target = findPredictionTarget(args);
    if (!target.resultsQueueUrl) {
      target.destroy();
      throw new Error(`no results queue in ${target.where} (--results-queue)`);
    }
    console.error(`results from ${target.resultsQueueUrl} on ${target.where} (Ctrl-C stops)`);
    let seen = 0;
    let failed: Error | undefined;
    const done = await new Promise<void>((resolve) => {
      let idleTimer: NodeJS.Timeout | undefined;
      const armIdle = () => {
        if (idleMs === undefined) return;
        clearTimeout(idleTimer);
        idleTimer = setTimeout(stop, idleMs);
      };
      const consumer = Consumer.create({
        queueUrl: target.resultsQueueUrl!,
        sqs: target.sqs,
        batchSize: 10,
        waitTimeSeconds: 1,
        messageAttributeNames: ['All'],
        // Returning the messages deletes them; a message we cannot print stays for the DLQ.
        handleMessageBatch: async (messages: Message[]) => {
          const printed: Message[] = [];
          for (const m of messages) {
            if (seen >= max) break;
            let result: PredictionResult;
            try {
              result = parseResult(m.Body ?? '');
            } catch {
              console.error(`skipping message ${m.MessageId}: not a prediction result`);
              continue;
            }
            console.log(json ? JSON.stringify(result) : describe(result));
            printed.push(m);
            seen++;
          }
          armIdle();
          if (seen >= max) setImmediate(stop);
          return printed;
        },
      });
      consumer.on('error', (error) => {
        failed = error;
        stop();
      });
      function stop() {
        clearTimeout(idleTimer);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        consumer.once('stopped', () => resolve());
        consumer.stop({ abort: false });
      }
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      armIdle();
      consumer.start();
    });
    void done;
    target.destroy();
    console.error(`${seen} results`);
    if (failed) {
      console.error(`stopped: ${failed.message}`);
      return EXIT_FAILED;
    }
    return EXIT_OK;
  },
};

export function describe(r: PredictionResult): string {
  return `round ${r.round}  user ${r.userId}  ${r.retained ? 'retained    ' : 'not retained'}  p=${r.probability.toFixed(3)}  model ${r.modelVersion}  ${r.scoredAt}`;
}
