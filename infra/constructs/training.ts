/**
 * The training flow: a Step Functions state machine (JSONPath, inline Map — the local
 * emulator runs neither JSONata nor Distributed Map) and its Lambdas, plus the Lambda that
 * starts it when a week's extraction completes.
 *
 *   Prepare → TrainCandidates (Map ≤ maxConcurrency × Train) → Evaluate → Gate
 *     Gate promote → Publish → Published
 *     Gate reject  → RecordRejection → CurrentModelKept
 *   any task's error → <Step>Failed (a readable cause) → TrainingFailed
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aspects, CfnOutput, CfnResource, Duration, Validations, type IAspect } from 'aws-cdk-lib';
import { rules } from 'cdk-nag';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { EventType, type Bucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  LogLevel,
  Map as MapState,
  Pass,
  StateMachine,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct, type IConstruct } from 'constructs';
import { DEFAULT_GATE, type GateSettings } from '#core/training/gate.ts';
import { DEFAULT_TREE_ROWS_PER_SHARD } from '#core/training/shards.ts';
import { readSettings, type LogSettings } from '#infra/settings.ts';
import { stageLogGroup } from './log-groups.ts';
import { FAILURE_QUEUE_OUTPUTS, failureQueue } from './failure-queue.ts';
import { grantObjects } from './object-grants.ts';

/** Names the local runner and the tests look states up by. */
const TRAINING_STATES = {
  prepare: 'Prepare',
  map: 'TrainCandidates',
  train: 'Train',
  evaluate: 'Evaluate',
  gate: 'Gate',
  publish: 'Publish',
  reject: 'RecordRejection',
  published: 'Published',
  kept: 'CurrentModelKept',
  failed: 'TrainingFailed',
} as const;

interface TrainingFunctionSpec {
  /** Path of the handler file under functions/handlers/. */
  readonly entry: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  /** Extra files a bundle needs (the forest engine's worker script). */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/** Makes a Lambda with the project's defaults (the stack passes its project-function factory). */
export type FunctionFactory = (scope: Construct, id: string, spec: TrainingFunctionSpec) => IFunction;

export interface TrainingProps {
  readonly dataBucket: Bucket;
  readonly siteBucket: IBucket;
  readonly newFunction: FunctionFactory;
  /** Gate floor and margin; default from context `training:gateFloor` / `training:gateMargin`, then DEFAULT_GATE. */
  readonly gate?: GateSettings;
  /** Train tasks running at once. Default 4. */
  readonly maxConcurrency?: number;
  /** Start a run when a week's `_COMPLETE.json` lands. Default true. */
  readonly autoStart?: boolean;
  /** Memory of the Train Lambda (MB): more memory is more vCPUs for the worker threads. Default 4096. */
  readonly trainMemoryMb?: number;
  /** The state machine's log retention and removal; default: the stage settings read from context. */
  readonly logs?: LogSettings;
}

/**
 * Sized from bench/training.ts and bench/scale.ts (docs/training.md, docs/cost.md). Prepare
 * holds the train week in columns, linear in its active users: 1,216 MB peak RSS in the
 * 10M-user run (6.97M active), 1,357 MB with 9M, too close to 1769 MB, so 3008 MB.
 * 1769 MB is one full vCPU. Train's memory buys vCPUs for the engine's worker threads
 * (a prop); its timeout is Lambda's maximum.
 */
const SIZING = {
  prepare: { memorySize: 3008, timeout: Duration.minutes(5) },
  train: { timeout: Duration.minutes(15) },
  evaluate: { memorySize: 1769, timeout: Duration.minutes(5) },
  publish: { memorySize: 1024, timeout: Duration.minutes(2) },
  reject: { memorySize: 256, timeout: Duration.seconds(30) },
  start: { memorySize: 256, timeout: Duration.seconds(30) },
} as const;

/** The forest engine's worker script, bundled next to the Train handler. */
const FOREST_WORKER_ENTRY = 'functions/core/forest/worker.ts';
const FOREST_WORKER_FILE = 'forest-worker.mjs';
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export class Training extends Construct {
  readonly stateMachine: StateMachine;
  readonly functions: Readonly<Record<'prepare' | 'train' | 'evaluate' | 'publish' | 'reject' | 'start', IFunction>>;
  readonly gate: GateSettings;
  /** StartTraining's failed S3 events (after retries), with the marker's key and the error. */
  readonly startFailures: Queue;

  constructor(scope: Construct, id: string, props: TrainingProps) {
    super(scope, id);
    const context = (key: string) => this.node.tryGetContext(key) as string | number | undefined;
    this.gate = props.gate ?? {
      floor: Number(context('training:gateFloor') ?? DEFAULT_GATE.floor),
      margin: Number(context('training:gateMargin') ?? DEFAULT_GATE.margin),
    };
    const data = props.dataBucket;
    const env = {
      DATA_BUCKET: data.bucketName,
      SITE_BUCKET: props.siteBucket.bucketName,
      GATE_FLOOR: String(this.gate.floor),
      GATE_MARGIN: String(this.gate.margin),
    };
    const make = (
      name: string,
      file: string,
      sizing: { memorySize: number; timeout: Duration },
      extra: Partial<TrainingFunctionSpec> = {},
    ) =>
      props.newFunction(this, `${name}Function`, {
        entry: `functions/handlers/training/${file}`,
        ...sizing,
        environment: { ...env },
        ...extra,
      });

    // Trees × rows per Train task before Prepare cuts a forest into shards (shards.ts).
    const treeRowsPerShard = Number(context('training:treeRowsPerShard') ?? DEFAULT_TREE_ROWS_PER_SHARD);
    const prepare = make('Prepare', 'prepare.ts', SIZING.prepare, {
      environment: { ...env, TREE_ROWS_PER_SHARD: String(treeRowsPerShard) },
    });
    // The engine's worker threads load their script from a file: ship it beside the handler.
    const withWorker = existsSync(join(PROJECT_ROOT, FOREST_WORKER_ENTRY));
    const train = make(
      'Train',
      'train.ts',
      { memorySize: props.trainMemoryMb ?? 4096, ...SIZING.train },
      withWorker
        ? {
            environment: { ...env, FOREST_WORKER: FOREST_WORKER_FILE },
            afterBundling: (inputDir, outputDir) => [
              `npx esbuild "${inputDir}/${FOREST_WORKER_ENTRY}" --bundle --platform=node --format=esm --target=node24 ` +
                `--outfile="${outputDir}/${FOREST_WORKER_FILE}"`,
            ],
          }
        : {},
    );
    const evaluate = make('Evaluate', 'evaluate.ts', SIZING.evaluate);
    const publish = make('Publish', 'publish.ts', SIZING.publish);
    const reject = make('RecordRejection', 'record-rejection.ts', SIZING.reject);

    // Each step's prefixes, from its handler's reads and writes (grantObjects: no deletes,
    // listings only under the prefixes named). Listing models/ tells "no model yet" from a refusal.
    const runs = 'run ids, candidates';
    grantObjects(prepare, data, { 'extracted/': ['read', 'list'], 'training/': ['write'] }, `weeks, parts, ${runs}`);
    grantObjects(train, data, { 'training/': ['read', 'write'] }, runs);
    grantObjects(evaluate, data, { 'training/': ['read', 'write'], 'models/': ['read', 'list'] }, `${runs}, versions`);
    grantObjects(publish, data, { 'training/': ['read'], 'models/': ['read', 'write', 'list'] }, `${runs}, versions`);
    grantObjects(publish, props.siteBucket, { 'data/': ['write'] }, 'site documents');
    grantObjects(reject, data, { 'training/': ['write'] }, runs);

    const failed = new Fail(this, `${TRAINING_STATES.failed}State`, {
      stateName: TRAINING_STATES.failed,
      errorPath: '$.failure.error',
      causePath: '$.failure.cause',
    });
    /** Catch → a Pass that says which step failed and why → the one Fail state. */
    const onError = (step: string) =>
      new Pass(this, `${step}FailedState`, {
        stateName: `${step}Failed`,
        parameters: {
          'error.$': '$.caught.Error',
          'cause.$': `States.Format('${step} failed: {}', $.caught.Cause)`,
        },
        resultPath: '$.failure',
      }).next(failed);
    const task = (name: string, fn: IFunction, timeout: Duration, payloadPath = '$') => {
      const invoke = new LambdaInvoke(this, `${name}State`, {
        stateName: name,
        lambdaFunction: fn,
        payload: TaskInput.fromJsonPathAt(payloadPath),
        outputPath: '$.Payload',
        // Retries Lambda.ServiceException, AWSLambdaException, SdkClientException and
        // ClientExecutionTimeoutException with backoff (2 s × 2^n, 6 attempts).
        retryOnServiceExceptions: true,
        // A little longer than the Lambda may run; the local emulator's default is 60 s.
        taskTimeout: Timeout.duration(timeout.plus(Duration.seconds(30))),
      });
      // Throttling (the Map runs several Train tasks at once): back off longer.
      invoke.addRetry({
        errors: ['Lambda.TooManyRequestsException'],
        interval: Duration.seconds(5),
        maxAttempts: 6,
        backoffRate: 2,
      });
      return invoke;
    };

    const prepareTask = task(TRAINING_STATES.prepare, prepare, SIZING.prepare.timeout);
    prepareTask.addCatch(onError(TRAINING_STATES.prepare), { resultPath: '$.caught' });

    const trainTask = task(TRAINING_STATES.train, train, SIZING.train.timeout);
    const trainAll = new MapState(this, `${TRAINING_STATES.map}State`, {
      stateName: TRAINING_STATES.map,
      itemsPath: '$.combinations',
      maxConcurrency: props.maxConcurrency ?? 4,
      resultPath: '$.candidates',
    });
    trainAll.itemProcessor(trainTask);
    trainAll.addCatch(onError(TRAINING_STATES.train), { resultPath: '$.caught' });

    const evaluateTask = task(TRAINING_STATES.evaluate, evaluate, SIZING.evaluate.timeout);
    evaluateTask.addCatch(onError(TRAINING_STATES.evaluate), { resultPath: '$.caught' });

    const publishTask = task(TRAINING_STATES.publish, publish, SIZING.publish.timeout);
    // Publish may run again safely (a version already current only has its site copied): a
    // failure after the pointer moved is retried, so the site does not stay on the older model.
    publishTask.addRetry({
      errors: ['States.TaskFailed'],
      interval: Duration.seconds(2),
      maxAttempts: 2,
      backoffRate: 2,
    });
    publishTask.addCatch(onError(TRAINING_STATES.publish), { resultPath: '$.caught' });

    const rejectTask = task(TRAINING_STATES.reject, reject, SIZING.reject.timeout);
    rejectTask.addCatch(onError(TRAINING_STATES.reject), { resultPath: '$.caught' });

    // The rule (decideGate in functions/core/training/gate.ts): AUC ≥ floor, and AUC ≥
    // current AUC − margin, which Evaluate hands over as gate.minAcceptedAuc.
    const gate = new Choice(this, `${TRAINING_STATES.gate}State`, { stateName: TRAINING_STATES.gate })
      .when(
        Condition.and(
          Condition.numberGreaterThanEquals('$.best.auc', this.gate.floor),
          Condition.numberGreaterThanEqualsJsonPath('$.best.auc', '$.gate.minAcceptedAuc'),
        ),
        publishTask.next(
          new Succeed(this, `${TRAINING_STATES.published}State`, { stateName: TRAINING_STATES.published }),
        ),
      )
      .otherwise(
        rejectTask.next(new Succeed(this, `${TRAINING_STATES.kept}State`, { stateName: TRAINING_STATES.kept })),
      );

    const definition = prepareTask.next(trainAll).next(evaluateTask).next(gate);
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: {
        destination: stageLogGroup(this, 'Logs', props.logs ?? readSettings(this.node)),
        level: LogLevel.ALL,
        includeExecutionData: false,
      },
    });

    const start = make('StartTraining', 'start-training.ts', SIZING.start, {
      environment: { DATA_BUCKET: data.bucketName, STATE_MACHINE_ARN: this.stateMachine.stateMachineArn },
    });
    // Whether the neighbouring weeks are complete: a head of their markers (and the listing that tells absent from refused).
    grantObjects(start, data, { 'extracted/': ['read', 'list'] }, 'weeks');
    this.stateMachine.grantStartExecution(start);
    if (props.autoStart ?? true) {
      data.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(start), {
        prefix: 'extracted/',
        suffix: '_COMPLETE.json',
      });
    }
    this.startFailures = failureQueue(this, 'StartFailures', [start], 'the StartTraining function').queue;
    new CfnOutput(this, FAILURE_QUEUE_OUTPUTS.training, {
      key: FAILURE_QUEUE_OUTPUTS.training,
      value: this.startFailures.queueUrl,
      description: 'S3 _COMPLETE.json events StartTraining gave up on',
    });
    this.functions = { prepare, train, evaluate, publish, reject, start };
    new CfnOutput(this, 'TrainingStateMachineArn', {
      key: 'TrainingStateMachineArn',
      value: this.stateMachine.stateMachineArn,
      description: 'The training flow (retention train --cloud)',
    });
    Aspects.of(this).add(new AcknowledgePrefixGrants());
  }
}

/**
 * The wildcard findings (AwsSolutions-IAM5) of the state machine's own policy, each
 * acknowledged by its exact id with the reason it is the narrowest grant: invoking the
 * flow's own functions (any version), and the X-Ray and log-delivery actions that have no
 * resource-level permissions. The functions' object grants are acknowledged where they are
 * made (object-grants.ts); a finding of another kind stays visible.
 */
class AcknowledgePrefixGrants implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || node.cfnResourceType !== 'AWS::IAM::Policy') return;
    const findings = rules.iam.IAMNoWildcardPermissions(node);
    if (!Array.isArray(findings)) return;
    const reason = (finding: string): string | undefined => {
      if (/^Resource::<[^>]+\.Arn>:\*$/.test(finding))
        return 'The state machine invokes its own Lambda functions, any version or alias of them.';
      if (finding === 'Resource::*')
        return 'X-Ray segments and CloudWatch Logs delivery for the state machine: these actions have no resource-level permissions.';
      return undefined;
    };
    const known = findings.flatMap((finding) => {
      const why = reason(finding);
      return why ? [{ id: `AwsSolutions-IAM5[${finding}]`, reason: why }] : [];
    });
    if (known.length > 0) Validations.of(node).acknowledge(...known);
  }
}
