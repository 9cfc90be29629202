/**
 * `retention start` (`npm start`): the whole product on this machine. Brings up the local
 * cloud from the synthesized stack, runs the pipeline stages (infra/local/stages/), prints
 * what each did and where everything is, then keeps running until Ctrl-C.
 */
import { EXIT_FAILED, EXIT_OK, decimal, integer, type Command } from '../cli-kit.ts';
import { startLocalCloud, type LocalCloud } from '../../infra/local/cloud.ts';
import { LocalCloudRunningError, statePath } from '../../infra/local/state-file.ts';
import { runBackground, runStages, stderrConsole, type PipelineOptions } from '../../infra/local/pipeline.ts';
import { stages } from '../../infra/local/stages/index.ts';

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
      return await start(options, out, abort.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

async function start(
  options: PipelineOptions,
  out: ReturnType<typeof stderrConsole>,
  signal: AbortSignal,
): Promise<number> {
  out.line('▸ Local cloud (synthesize the stack, start emulators, create its resources)');
  const started = Date.now();
  let cloud: LocalCloud;
  try {
    cloud = await startLocalCloud({
      onActivity: (a) => {
        if (a.kind === 'warning') out.line(`  ! ${a.message}`);
      },
    });
  } catch (error) {
    if (!(error instanceof LocalCloudRunningError)) throw error;
    out.line(`  ${error.message}`);
    out.line('  Stop it (Ctrl-C in its terminal) or use it: its endpoints are in that file.');
    if (options.once)
      process.stdout.write(
        `${JSON.stringify({ ok: false, reason: 'already-running', running: error.state }, null, 2)}\n`,
      );
    return options.once ? EXIT_FAILED : EXIT_OK;
  }
  // Ctrl-C during the pipeline: stop the cloud at once, so a running stage ends now (its
  // invocations fail with Runtime.Stopped) instead of finishing its work first.
  const stopNow = () => void cloud.stop();
  signal.addEventListener('abort', stopNow, { once: true });
  if (signal.aborted) stopNow();
  try {
    out.line(
      `  up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${Object.keys(cloud.resources.functions).length} functions, ` +
        `${Object.keys(cloud.resources.buckets).length} buckets, ${Object.keys(cloud.resources.queues).length} queues, ` +
        `${Object.keys(cloud.resources.streams).length} streams, ${Object.keys(cloud.resources.stateMachines).length} state machines`,
    );
    const base = { cloud, options, signal, console: out };
    const report = await runStages(stages, base);
    if (signal.aborted) return EXIT_INTERRUPTED;
    describeCloud(cloud, out);
    if (options.once) {
      const summary = {
        ok: report.ok,
        stages: Object.fromEntries(report.stages.map(({ name, ...rest }) => [name, rest])),
        cloud: cloudInfo(cloud),
      };
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return report.ok ? EXIT_OK : EXIT_FAILED;
    }
    out.line(
      report.ok
        ? '\nThe pipeline ran. The local cloud keeps running; Ctrl-C stops it.'
        : '\nA stage failed (above). The local cloud keeps running for inspection; Ctrl-C stops it.',
    );
    const dashboardUrl = (report.stages.find((s) => s.name === 'dashboard')?.summary as { url?: string } | undefined)
      ?.url;
    if (dashboardUrl) out.line(`\nDashboard: ${dashboardUrl}`);
    if (!signal.aborted) {
      await Promise.all([
        runBackground(stages, report, base),
        new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
      ]);
    }
    return report.ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    signal.removeEventListener('abort', stopNow);
    await cloud.stop();
    out.line('Local cloud stopped.');
  }
}

function cloudInfo(cloud: LocalCloud) {
  return {
    endpoints: cloud.endpoints,
    region: cloud.region,
    stateFile: statePath(cloud.stateDir),
    resources: cloud.resources,
    outputs: cloud.outputs,
  };
}

function describeCloud(cloud: LocalCloud, out: ReturnType<typeof stderrConsole>): void {
  const { endpoints, resources } = cloud;
  out.line('\n▸ Where things are');
  out.line(`  S3 + SQS  ${endpoints.s3}    Kinesis  ${endpoints.kinesis}    region ${cloud.region}`);
  out.line(`  Step Functions  ${cloud.stepFunctions.endpoint}`);
  for (const b of Object.values(resources.buckets)) out.line(`  bucket         ${b.name}`);
  for (const q of Object.values(resources.queues)) out.line(`  queue          ${q.url}`);
  for (const s of Object.values(resources.streams)) out.line(`  stream         ${s.name}`);
  for (const m of Object.values(resources.stateMachines)) out.line(`  state machine  ${m.arn}`);
  for (const f of Object.values(resources.functions)) out.line(`  function       ${f.name}`);
  out.line(`  details: ${statePath(cloud.stateDir)}; function logs: ${cloud.stateDir}/logs/`);
  out.line(`  e.g. AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --endpoint-url ${endpoints.s3} s3 ls`);
}
