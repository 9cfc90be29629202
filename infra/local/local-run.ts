/**
 * What `npm start` does once its options are read: brings the local cloud up, runs the
 * pipeline stages (stages/index.ts), says where everything is, then keeps the stages'
 * background work running until the signal aborts (Ctrl-C). `--once` prints a JSON summary
 * on stdout instead of staying up.
 */
import { DEFAULT_BASE_WEEK } from '#core/weeks.ts';
import { startLocalCloud, type LocalCloud } from './cloud.ts';
import { LocalCloudRunningError, statePath } from './state-file.ts';
import { runBackground, runStages, type Console, type PipelineOptions, type PipelineReport } from './pipeline.ts';
import { stages } from './stages/index.ts';

/** 'already-running': another local cloud holds the state file (said on the console, and in the JSON with --once). */
export type LocalRunOutcome = 'ok' | 'failed' | 'interrupted' | 'already-running';

export async function runLocally(
  options: PipelineOptions,
  out: Console,
  signal: AbortSignal,
): Promise<LocalRunOutcome> {
  out.line('▸ Local cloud (synthesize the stack, start emulators, create its resources)');
  const started = Date.now();
  const cloud = await startCloudOrExplain(options, out);
  if (!cloud) return 'already-running';
  // Ctrl-C during the pipeline: stop the cloud at once, so a running stage ends now (its
  // invocations fail with Runtime.Stopped) instead of finishing its work first.
  const stopNow = () => void cloud.stop();
  signal.addEventListener('abort', stopNow, { once: true });
  if (signal.aborted) stopNow();
  try {
    out.line(`  up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${countResources(cloud)}`);
    const base = { cloud, options, signal, console: out };
    const report = await runStages(stages, base);
    if (signal.aborted) return 'interrupted';
    describeCloud(cloud, out);
    if (options.once) {
      printSummary(report, cloud);
    } else {
      tellWhatRuns(report, out);
      if (!signal.aborted)
        await Promise.all([
          runBackground(stages, report, base),
          new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
        ]);
    }
    return report.ok ? 'ok' : 'failed';
  } finally {
    signal.removeEventListener('abort', stopNow);
    await cloud.stop();
    out.line('Local cloud stopped.');
  }
}

/** The cloud, or undefined when another one runs (said instead of fighting over ports). */
async function startCloudOrExplain(options: PipelineOptions, out: Console): Promise<LocalCloud | undefined> {
  try {
    return await startLocalCloud({
      // The demo's numbered weeks are generated in the calendar from this week on: check them against it.
      context: { 'retention:baseWeek': DEFAULT_BASE_WEEK },
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
    return undefined;
  }
}

function countResources({ resources }: LocalCloud): string {
  const count = (group: Record<string, unknown>) => Object.keys(group).length;
  return (
    `${count(resources.functions)} functions, ${count(resources.buckets)} buckets, ${count(resources.queues)} queues, ` +
    `${count(resources.streams)} streams, ${count(resources.stateMachines)} state machines`
  );
}

function printSummary(report: PipelineReport, cloud: LocalCloud): void {
  const summary = {
    ok: report.ok,
    stages: Object.fromEntries(report.stages.map(({ name, ...rest }) => [name, rest])),
    cloud: {
      endpoints: cloud.endpoints,
      region: cloud.region,
      stateFile: statePath(cloud.stateDir),
      resources: cloud.resources,
      outputs: cloud.outputs,
    },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

function tellWhatRuns(report: PipelineReport, out: Console): void {
  out.line(
    report.ok
      ? '\nThe pipeline ran. The local cloud keeps running; Ctrl-C stops it.'
      : '\nA stage failed (above). The local cloud keeps running for inspection; Ctrl-C stops it.',
  );
  const dashboard = report.stages.find((s) => s.name === 'dashboard')?.summary as
    { url?: string; signInUrl?: string } | undefined;
  // The address with its one-time token: opening it signs this browser in (infra/local/site-sign-in.ts).
  const dashboardUrl = dashboard?.signInUrl ?? dashboard?.url;
  if (dashboardUrl) out.line(`\nDashboard: ${dashboardUrl}`);
}

function describeCloud(cloud: LocalCloud, out: Console): void {
  const { endpoints, resources } = cloud;
  out.line('\n▸ Where things are');
  out.line(`  S3 + SQS + SNS  ${endpoints.s3}    Kinesis  ${endpoints.kinesis}    region ${cloud.region}`);
  out.line(`  Step Functions  ${cloud.stepFunctions.endpoint}`);
  for (const b of Object.values(resources.buckets)) out.line(`  bucket         ${b.name}`);
  for (const q of Object.values(resources.queues)) out.line(`  queue          ${q.url}`);
  for (const t of Object.values(resources.topics)) out.line(`  topic          ${t.arn}`);
  for (const s of Object.values(resources.streams)) out.line(`  stream         ${s.name}`);
  for (const m of Object.values(resources.stateMachines)) out.line(`  state machine  ${m.arn}`);
  for (const f of Object.values(resources.functions)) out.line(`  function       ${f.name}`);
  out.line('  stack outputs (how the command line and your tools find each resource):');
  for (const [name, value] of Object.entries(cloud.outputs)) out.line(`    ${name.padEnd(32)} ${value}`);
  out.line(`  details: ${statePath(cloud.stateDir)}; function logs: ${cloud.stateDir}/logs/`);
  out.line(`  e.g. AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --endpoint-url ${endpoints.s3} s3 ls`);
}
