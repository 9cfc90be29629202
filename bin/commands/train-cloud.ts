/**
 * `retention train-cloud` (also `retention train --cloud`): starts the training state
 * machine for (W → W+1) against the running local cloud (`npm start`) or a deployed stack,
 * waits for it, and prints the gate's decision. The execution name is the run id, so
 * asking twice for the same inputs starts one run.
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '#aws/clients.ts';
import {
  EXIT_FAILED,
  EXIT_OK,
  UsageError,
  optional,
  required,
  type Command,
  type Options,
  type ParsedArgs,
} from '#bin/cli-kit.ts';
import { isWeekId, nextWeek } from '#core/weeks.ts';
import { TrainingStore } from '#aws/training/store.ts';
import { startTrainingRun } from '#aws/training/runs.ts';
import { LOCAL_CREDENTIALS, s3ClientConfig } from '#infra/local/emulators.ts';
import { STACK_OUTPUTS } from '#infra/stack-outputs.ts';
import { findStack, resourceName, stackOptions, stackUsage } from '#bin/stack-target.ts';

/** The flags the cloud path adds (train.ts merges them into its own for `--cloud`). */
export const cloudTrainingOptions: Options = {
  cloud: { type: 'boolean' },
  'train-week': { type: 'string' },
  'label-week': { type: 'string' },
  params: { type: 'string' },
  'state-machine': { type: 'string' },
  'data-bucket': { type: 'string' },
  'no-wait': { type: 'boolean' },
  ...stackOptions,
};

export const cloudTrainingUsage = `usage: retention train --cloud --train-week W [--label-week W+1] [--params JSON]
                       [--state-machine ARN --data-bucket NAME] [--no-wait]

Starts the training flow (Step Functions: prepare → train in parallel → evaluate → gate →
publish) on extracted week W labelled by week W+1, in the running local cloud (npm start)
or a deployed stack. The state machine and the data bucket come from the stack's outputs
(TrainingStateMachineArn, DataBucketName) unless named by the flags below or by
RETENTION_STATE_MACHINE_ARN and RETENTION_DATA_BUCKET.

  --train-week W       the week whose features train (a number or an ISO week)
  --label-week W       the week whose activity labels them (default: the week after W)
  --params JSON        forest options, one value or a list to try each, e.g.
                       '{"numTrees":20,"maxDepth":[6,10],"splitSeed":7}'
  --state-machine ARN  the training state machine
  --data-bucket NAME   the data bucket
  --no-wait            start and print the execution, do not wait for its end

${stackUsage}

Exit codes: 0 the run ended (promoted, or rejected by the gate: see the reason);
1 the run failed or could not start; 2 wrong arguments.
`;

interface Target {
  readonly where: string;
  readonly sfn: SFNClient;
  readonly s3: S3Client;
  readonly stateMachineArn: string;
  readonly bucket: string;
}

function findTarget(args: ParsedArgs): Target {
  const stack = findStack(args);
  const stateMachineArn = resourceName(args, stack, {
    flag: 'state-machine',
    env: 'RETENTION_STATE_MACHINE_ARN',
    output: STACK_OUTPUTS.trainingStateMachine,
  });
  const bucket = resourceName(args, stack, {
    flag: 'data-bucket',
    env: 'RETENTION_DATA_BUCKET',
    output: STACK_OUTPUTS.dataBucket,
  });
  if (!stateMachineArn || !bucket)
    throw new UsageError(`no training state machine or data bucket in ${stack.where} (--state-machine, --data-bucket)`);
  const local = stack.local;
  if (!local) return { where: stack.where, sfn: new SFNClient({}), s3: s3Client(), stateMachineArn, bucket };
  const endpoint = local.endpoints.stepFunctions;
  if (!endpoint) throw new Error(`${stack.where} has no Step Functions endpoint`);
  return {
    where: stack.where,
    sfn: new SFNClient({ region: local.region, credentials: LOCAL_CREDENTIALS, endpoint }),
    s3: new S3Client(s3ClientConfig(local)),
    stateMachineArn,
    bucket,
  };
}

export async function runCloudTraining(args: ParsedArgs): Promise<number> {
  const trainWeek = required(args, 'train-week');
  if (!isWeekId(trainWeek))
    throw new UsageError(`--train-week: "${trainWeek}" is not a week (a number or an ISO week like 2026-W46)`);
  const labelWeek = optional(args, 'label-week') ?? nextWeek(trainWeek);
  if (!isWeekId(labelWeek)) throw new UsageError(`--label-week: "${labelWeek}" is not a week`);
  let params: unknown;
  const rawParams = optional(args, 'params');
  if (rawParams !== undefined) {
    try {
      params = JSON.parse(rawParams);
    } catch {
      throw new UsageError(`--params must be JSON, got ${rawParams}`);
    }
  }
  const target = findTarget(args);
  try {
    const run = await startTrainingRun(
      target.sfn,
      new TrainingStore(target.s3),
      target.bucket,
      target.stateMachineArn,
      { trainWeek, labelWeek, params },
    );
    console.error(`${run.started ? 'started' : 'already started (same inputs)'}: ${run.runId} in ${target.where}`);
    if (args.values['no-wait']) {
      console.log(JSON.stringify(run));
      return EXIT_OK;
    }
    for (;;) {
      const execution = await target.sfn.send(new DescribeExecutionCommand({ executionArn: run.executionArn }));
      if (execution.status === 'RUNNING') {
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (execution.status === 'SUCCEEDED') {
        const output = JSON.parse(execution.output ?? '{}') as { decision?: string; reason?: string; version?: string };
        const said =
          output.decision === 'promote'
            ? `promoted ${output.version}: ${output.reason}`
            : output.decision === 'superseded'
              ? `passed the gate, not published: ${output.reason}`
              : `rejected by the gate: ${output.reason}; the current model stays`;
        console.error(said);
        console.log(execution.output);
        return EXIT_OK;
      }
      console.error(
        `training ${execution.status?.toLowerCase()}: ${execution.error ?? ''} ${execution.cause ?? ''}`.trim(),
      );
      return EXIT_FAILED;
    }
  } finally {
    target.sfn.destroy();
    target.s3.destroy();
  }
}

export const command: Command = {
  summary: 'train in the cloud: start the training state machine (local cloud or AWS) and wait',
  usage: cloudTrainingUsage.replace('retention train --cloud', 'retention train-cloud'),
  options: cloudTrainingOptions,
  run: runCloudTraining,
};
