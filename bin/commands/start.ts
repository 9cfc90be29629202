/**
 * `retention start` (`npm start`): the whole product on this machine (infra/local/local-run.ts:
 * the local cloud from the synthesized stack, the pipeline stages, where everything is), kept
 * running until Ctrl-C. Here: the options, the signals, the exit code.
 */
import { EXIT_FAILED, EXIT_OK, decimal, integer, type Command } from '#bin/cli-kit.ts';
import { stderrConsole, type PipelineOptions } from '#infra/local/pipeline.ts';
import { runLocally, type LocalRunOutcome } from '#infra/local/local-run.ts';

/** Exit code after Ctrl-C stopped the pipeline before it finished (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;

export const command: Command = {
  summary: 'run the whole pipeline locally against in-process emulators (npm start)',
  usage: `usage: retention start [--once] [--users N] [--weeks N] [--seed N] [--dirty RATE]

Synthesizes the CDK stack, starts local S3/SQS/Kinesis emulators with the stack's
resources, runs each Lambda's bundle, uploads demo data and reports every stage.
Endpoints and resource names are printed and written to .retention/local-cloud.json
(or $RETENTION_STATE_DIR) while it runs.

  --once       run the pipeline, print a JSON summary on stdout, exit (0 ok, 1 failed)

Ctrl-C stops every emulator and worker; the exit code is then 0 (or 1) after a finished
pipeline, 130 when the pipeline was interrupted.
  --users N    demo users (default 1000)
  --weeks N    demo weeks (default 3)
  --seed N     demo generator seed (default 1)
  --dirty RATE share of malformed lines in the demo data (default 0.005)
`,
  options: {
    once: { type: 'boolean' },
    users: { type: 'string' },
    weeks: { type: 'string' },
    seed: { type: 'string' },
    dirty: { type: 'string' },
  },
  async run(args) {
    const options: PipelineOptions = {
      once: args.values.once === true,
      users: integer(args, 'users', 1000, 1, 10_000_000),
      weeks: integer(args, 'weeks', 3, 2, 52),
      seed: integer(args, 'seed', 1),
      dirty: decimal(args, 'dirty', 0.005, 0, 0.5),
    };
    const out = stderrConsole();
    const abort = new AbortController();
    const onSignal = () => {
      if (abort.signal.aborted) return;
      out.line('\nStopping…');
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      return exitCode(await runLocally(options, out, abort.signal), options);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

function exitCode(outcome: LocalRunOutcome, options: PipelineOptions): number {
  switch (outcome) {
    case 'ok':
      return EXIT_OK;
    case 'failed':
      return EXIT_FAILED;
    case 'interrupted':
      return EXIT_INTERRUPTED;
    case 'already-running':
      // With --once the caller wanted a run and got none; interactively, being told is the answer.
      return options.once ? EXIT_FAILED : EXIT_OK;
  }
}
