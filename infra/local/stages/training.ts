/**
 * Stage "training": the training state machine on (week 0 → week 1). The StartTraining
 * Lambda has usually started it already (the extraction marks each week complete); starting
 * it again here is then a no-op (same execution name), and starts it otherwise. Waits for
 * every execution, then prints each run's candidates with their test AUC, the gate's
 * decision, and the published version.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Stage } from '#infra/local/pipeline.ts';
import type { LocalExecution } from '#infra/local/stepfunctions.ts';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.ts';
import { dataBucket, stackOutput } from './resources.ts';
import { STACK_OUTPUTS } from '#infra/stack-outputs.ts';
import { TrainingStore } from '#aws/training/store.ts';
import { startTrainingRun } from '#aws/training/runs.ts';
import { CURRENT_MODEL_KEY, trainingKeys } from '#core/training/keys.ts';

interface TrainingRunSummary {
  runId: string;
  trainWeek: string;
  labelWeek: string;
  status: string;
  seconds: number;
  candidates: { id: string; auc: number; nodes: number; params: unknown }[];
  decision?: string;
  reason?: string;
  version?: string;
  error?: string;
  cause?: string;
}

export interface TrainingSummary {
  runs: TrainingRunSummary[];
  currentVersion?: string;
}

export const training: Stage = {
  name: 'training',
  title: 'Training (Step Functions: Prepare → Map(Train) → Evaluate → Gate → Publish)',
  async run({ cloud, progress }) {
    const arn = stackOutput(cloud, STACK_OUTPUTS.trainingStateMachine);
    const machine = cloud.stateMachines.find((m) => m.arn === arn);
    if (!machine) throw new Error(`the stack's TrainingStateMachineArn ${arn} is not one of its state machines`);
    const bucket = dataBucket(cloud).name;
    const store = new TrainingStore(cloud.clients.s3);
    const unsubscribe = cloud.stepFunctions.subscribe((execution, event) => {
      if (event.type === 'StateEntered')
        progress(`${execution.name}: ${event.state}${event.index !== undefined ? ` #${event.index}` : ''}`);
    });
    const sfn = new SFNClient({
      region: cloud.region,
      endpoint: cloud.stepFunctions.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      await startTrainingRun(sfn, store, bucket, machine.arn, { trainWeek: '0', labelWeek: '1' });
      await cloud.stepFunctions.idle();
    } finally {
      unsubscribe();
      sfn.destroy();
    }
    const runs = await Promise.all(
      [...cloud.stepFunctions.executions.values()]
        .filter((e) => e.stateMachineArn === machine.arn)
        .map((e) => describeRun(store, bucket, e)),
    );
    const pointer = await store.getTextIfExists(bucket, CURRENT_MODEL_KEY);
    const summary: TrainingSummary = {
      runs,
      ...(pointer ? { currentVersion: (JSON.parse(pointer) as { version: string }).version } : {}),
    };
    const first = runs.find((r) => r.trainWeek === '0' && r.labelWeek === '1');
    return { ok: first?.status === 'SUCCEEDED', summary, lines: describe(summary) };
  },
};

async function describeRun(
  store: TrainingStore,
  bucket: string,
  execution: LocalExecution,
): Promise<TrainingRunSummary> {
  const input = JSON.parse(execution.input) as { trainWeek: string; labelWeek: string };
  const output = execution.output
    ? (JSON.parse(execution.output) as { decision?: string; reason?: string; version?: string })
    : {};
  const evaluation = await store.getTextIfExists(bucket, trainingKeys(execution.name).evaluation);
  const candidates = evaluation
    ? (JSON.parse(evaluation) as { candidates: TrainingRunSummary['candidates'] }).candidates
    : [];
  return {
    runId: execution.name,
    trainWeek: input.trainWeek,
    labelWeek: input.labelWeek,
    status: execution.status,
    seconds: ((execution.stopDate ?? new Date()).getTime() - execution.startDate.getTime()) / 1000,
    candidates: candidates.map((c) => ({ id: c.id, auc: c.auc, nodes: c.nodes, params: c.params })),
    ...(output.decision ? { decision: output.decision, reason: output.reason } : {}),
    ...(output.version ? { version: output.version } : {}),
    ...(execution.error ? { error: execution.error, cause: execution.cause } : {}),
  };
}

function describe(summary: TrainingSummary): string[] {
  const lines: string[] = [];
  for (const run of summary.runs.sort((a, b) => a.trainWeek.localeCompare(b.trainWeek))) {
    lines.push(
      `weeks ${run.trainWeek} → ${run.labelWeek}: ${run.status} in ${run.seconds.toFixed(1)} s (${run.runId})`,
    );
    for (const c of run.candidates) {
      const params = Object.entries(c.params as Record<string, unknown>)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      lines.push(`  candidate ${c.id}: AUC ${c.auc.toFixed(4)}, ${c.nodes} nodes (${params})`);
    }
    if (run.decision === 'promote') lines.push(`  gate: promote — ${run.reason}; published ${run.version}`);
    else if (run.decision === 'reject') lines.push(`  gate: reject — ${run.reason}; the current model stays`);
    else if (run.decision === 'superseded') lines.push(`  gate: promote, not published — ${run.reason}`);
    if (run.error) lines.push(`  ✗ ${run.error}: ${run.cause}`);
  }
  if (summary.runs.length === 0) lines.push('no training run');
  lines.push(summary.currentVersion ? `models/current.json → ${summary.currentVersion}` : 'no model published');
  return lines;
}
