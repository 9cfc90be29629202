/**
 * `retention results`: prints prediction results as they arrive on the results queue and
 * deletes each message once its results are printed (functions/aws/prediction/results-consumer.ts).
 * Ctrl-C stops; --max N stops once N were printed.
 */
import { EXIT_FAILED, EXIT_OK, integer, duration, type Command } from '#bin/cli-kit.ts';
import type { PredictionResult } from '#core/prediction/result.ts';
import { consumeResults } from '#aws/prediction/results-consumer.ts';
import { findPredictionTarget, targetOptions, targetUsage } from '#bin/prediction-target.ts';

export const command: Command = {
  summary: 'print prediction results from the results queue as they arrive (and delete them)',
  usage: `usage: retention results [--max N] [--idle D] [--json]

Receives the results messages (up to 100 results each: { resultId, userId, round,
retained, probability, modelVersion, scoredAt, … }), prints one line a result (or its
JSON with --json) and deletes each message once its results are printed. Runs until Ctrl-C.

  --max N     stop once N results are printed (whole messages of up to 100 results,
              so possibly more)
  --idle D    stop when nothing arrived for D (e.g. 10s)
  --json      print each result as one JSON line

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
    const stopping = new AbortController();
    // Once asked to stop, a second Ctrl-C ends the process at once.
    const forgetSignals = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
    const stop = () => {
      forgetSignals();
      stopping.abort();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const report = await consumeResults(target.sqs, target.resultsQueueUrl, {
      max,
      idleMs,
      signal: stopping.signal,
      onResult: (result) => console.log(json ? JSON.stringify(result) : describe(result)),
      onUnreadable: (m) => console.error(`skipping message ${m.MessageId}: not a prediction result`),
    }).finally(forgetSignals);
    target.destroy();
    console.error(`${report.handled} results`);
    if (report.error) {
      console.error(`stopped: ${report.error.message}`);
      return EXIT_FAILED;
    }
    return EXIT_OK;
  },
};

export function describe(r: PredictionResult): string {
  return `round ${r.round}  user ${r.userId}  ${r.retained ? 'retained    ' : 'not retained'}  p=${r.probability.toFixed(3)}  model ${r.modelVersion}  ${r.scoredAt}`;
}
