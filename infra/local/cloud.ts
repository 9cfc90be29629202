/**
 * The local cloud: the real stack, synthesized, recreated in in-process emulators and run.
 * Buckets, queues and streams come from the template; each Lambda runs the bundle CDK built
 * in its own worker threads with its own environment; S3 notifications, async-invoke
 * retries and destinations, Kinesis event source mappings and EventBridge rules on state
 * machine executions are wired the way AWS wires them. Nothing here knows a particular
 * handler: new resources plug in through the stack. `startLocalCloud` lists the steps; each
 * lives in its own file.
 */
import {
  createEmulatorClients,
  localAwsEnv,
  startEmulators,
  LOCAL_ACCOUNT,
  type EmulatorClients,
  type Emulators,
  type Endpoints,
} from './emulators.ts';
import type { BuildApp, LocalTemplate } from './template.ts';
import { resolve, type ResolveContext } from './intrinsics.ts';
import type { InvocationResult } from './lambda-runtime.ts';
import type { AsyncOutcome } from './async-invoke.ts';
import { ActivityFeed, type Activity } from './activity.ts';
import { startLambdaApi } from './lambda-api.ts';
import { AsyncInvocations, type AsyncFailure } from './async-invocations.ts';
import { Cleanups } from './cleanups.ts';
import { deployBucketContents } from './bucket-deployments.ts';
import { functionLogFiles } from './function-logs.ts';
import { resolveOutputs, resolveStateMachines, type ResolvedStateMachine } from './resolved-stack.ts';
import { StackFunctions, type StackFunctionsSettings } from './stack-functions.ts';
import { createStackResources, type LocalResources } from './stack-resources.ts';
import { claimState, defaultStateDir, removeState, writeRunningState } from './state-file.ts';
import { startStepFunctionsEndpoint, type StepFunctionsEndpoint } from './stepfunctions.ts';
import { synthesizeTemplate } from './synthesis.ts';
import { serveS3Notifications, startKinesisPollers } from './triggers.ts';
import { startQueuePollers } from './queue-mappings.ts';
import { serveEventRules } from './event-rules.ts';

export type { Activity } from './activity.ts';

export interface LocalCloudOptions {
  /** Where the state file, logs and synth output go (default `.retention/` or RETENTION_STATE_DIR). */
  readonly stateDir?: string;
  /** The CDK app to run (default: the product's, infra/app.ts). */
  readonly buildApp?: BuildApp;
  /** Extra CDK context for the synth. */
  readonly context?: Record<string, unknown>;
  readonly region?: string;
  /** Execution environments per function (default 2). */
  readonly maxConcurrency?: number;
  /** Functions' console output (default: `<stateDir>/logs/<function>.log`). */
  readonly onOutput?: (functionName: string, chunk: string) => void;
  /** What happens inside (invocations, batches, destinations), for progress displays. */
  readonly onActivity?: (activity: Activity) => void;
  /** Pause before an async retry (default 200 ms × attempt; AWS waits minutes). */
  readonly asyncRetryDelayMs?: number;
  readonly kinesisPollIntervalMs?: number;
}

export interface LocalCloud {
  readonly endpoints: Endpoints;
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  readonly stateDir: string;
  /** Local names, URLs and ARNs by logical id. */
  readonly resources: LocalResources;
  /** The stack's outputs, resolved (bucket names, queue URLs...). */
  readonly outputs: Record<string, string>;
  readonly stateMachines: ResolvedStateMachine[];
  /** The local Step Functions API (AWS_ENDPOINT_URL_SFN of every function); runs the state machines above. */
  readonly stepFunctions: StepFunctionsEndpoint;
  readonly template: LocalTemplate;
  readonly emulators: Emulators;
  readonly clients: EmulatorClients;
  /**
   * Invokes a function synchronously (RequestResponse). `fn` is a logical id, a physical
   * name, an ARN, or an unambiguous part of a logical id ("Extract").
   */
  invoke(fn: string, event: unknown): Promise<InvocationResult>;
  /** Invokes as S3 does (Event): retries and destinations per the function's EventInvokeConfig. */
  invokeAsync(fn: string, event: unknown): Promise<AsyncOutcome>;
  /** The function's logical id for any of the names `invoke` accepts. */
  functionId(fn: string): string;
  /** Resolves CloudFormation intrinsics against the local addresses. */
  resolve(value: unknown): unknown;
  /** Resolves when no async invocation or stream batch is in flight. */
  idle(): Promise<void>;
  /** Follows what happens inside (as the onActivity option); returns an unsubscribe. */
  subscribe(listener: (activity: Activity) => void): () => void;
  /** Async invocations given up so far (retries exhausted), oldest first. */
  readonly asyncFailures: readonly AsyncFailure[];
  stop(): Promise<void>;
}

/** An event source mapping's poller (Kinesis or SQS), as idle() and stop() see it. */
interface Poller {
  readonly busy: boolean;
  stop(): Promise<void>;
}

/** How often `idle()` looks at the in-flight counts. */
const IDLE_CHECK_MS = 50;

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const stateDir = options.stateDir ?? defaultStateDir();
  const region = options.region ?? 'us-east-1';
  claimState(stateDir, region);
  const cleanups = new Cleanups();
  cleanups.add(() => removeState(stateDir));
  try {
    return await bringUp(options, stateDir, region, cleanups);
  } catch (error) {
    await cleanups.run();
    throw error;
  }
}

/** Each step registers its own undoing in `cleanups`, which run in reverse order. */
async function bringUp(
  options: LocalCloudOptions,
  stateDir: string,
  region: string,
  cleanups: Cleanups,
): Promise<LocalCloud> {
  const activity = new ActivityFeed(options.onActivity);
  const template = await synthesizeTemplate(options, stateDir);

  const emulators = await startEmulators({ region });
  cleanups.add(() => emulators.stop());
  const clients = createEmulatorClients(emulators);
  cleanups.add(() => Object.values(clients).forEach((client) => client.destroy()));
  // Executions run in-process; their Lambda tasks go to the functions (started below, before any execution).
  const stepFunctions = await startStepFunctionsEndpoint({
    invoke: (fn, event) => functions.invoke(fn, event, 'direct'),
  });
  cleanups.add(() => stepFunctions.stop());

  const { resources, context } = await createStackResources(
    template,
    clients,
    emulators.endpoints,
    { region, account: LOCAL_ACCOUNT },
    activity.warn,
  );
  await deployBucketContents(template, resources, clients.s3, activity.warn);

  // Started before the functions (their environment names it); it reaches them only when called.
  const lambdaApi = await startLambdaApi({
    functionId: (fn) => functions.id(fn),
    invokeAsync: (id, event) => asyncInvocations.track(() => asyncInvocations.invoke(id, event)),
  });
  cleanups.add(() => lambdaApi.stop());
  const functions = startFunctions(options, stateDir, cleanups, {
    template,
    resources,
    context,
    awsEnvironment: localAwsEnv({ endpoints: emulators.endpoints, region }),
    stepFunctionsEndpoint: stepFunctions.endpoint,
    lambdaEndpoint: lambdaApi.endpoint,
    emit: activity.emit,
  });
  const asyncInvocations = new AsyncInvocations({
    template,
    resources,
    context,
    functions,
    sqs: clients.sqs,
    emit: activity.emit,
    retryDelayMs: options.asyncRetryDelayMs,
  });
  const triggers = { template, resources, context, clients, functions, asyncInvocations, emit: activity.emit };
  cleanups.add(serveS3Notifications(emulators, triggers));
  const pollers: Poller[] = [
    ...(await startKinesisPollers(triggers, options.kinesisPollIntervalMs)),
    ...startQueuePollers(triggers),
  ];
  cleanups.add(() => Promise.all(pollers.map((p) => p.stop())));

  const stateMachines = resolveStateMachines(template, resources, context);
  for (const machine of stateMachines) stepFunctions.register(machine.arn, machine.definition);
  // An execution's end goes to the EventBridge rules whose pattern matches it.
  cleanups.add(serveEventRules(stepFunctions, triggers));
  const outputs = resolveOutputs(template, context, activity.warn);
  const endpoints = { ...emulators.endpoints, stepFunctions: stepFunctions.endpoint, lambda: lambdaApi.endpoint };
  writeRunningState(stateDir, { region, endpoints, resources, outputs });

  return cloudHandle({
    stateDir,
    region,
    template,
    emulators,
    clients,
    stepFunctions,
    resources,
    context,
    outputs,
    stateMachines,
    activity,
    functions,
    asyncInvocations,
    pollers,
    cleanups,
  });
}

/** The functions, with their console output in log files unless the caller takes it. */
function startFunctions(
  options: LocalCloudOptions,
  stateDir: string,
  cleanups: Cleanups,
  settings: Omit<StackFunctionsSettings, 'runtime'>,
): StackFunctions {
  const logs = functionLogFiles(stateDir);
  cleanups.add(() => logs.close());
  const functions = new StackFunctions({
    ...settings,
    runtime: { maxConcurrency: options.maxConcurrency, onOutput: options.onOutput ?? logs.write },
  });
  cleanups.add(() => functions.stop());
  return functions;
}

interface RunningParts {
  readonly stateDir: string;
  readonly region: string;
  readonly template: LocalTemplate;
  readonly emulators: Emulators;
  readonly clients: EmulatorClients;
  readonly stepFunctions: StepFunctionsEndpoint;
  readonly resources: LocalResources;
  readonly context: ResolveContext;
  readonly outputs: Record<string, string>;
  readonly stateMachines: ResolvedStateMachine[];
  readonly activity: ActivityFeed;
  readonly functions: StackFunctions;
  readonly asyncInvocations: AsyncInvocations;
  readonly pollers: readonly Poller[];
  readonly cleanups: Cleanups;
}

function cloudHandle(parts: RunningParts): LocalCloud {
  const { functions, asyncInvocations, pollers, activity } = parts;
  let stopping: Promise<void> | undefined;
  return {
    endpoints: parts.emulators.endpoints,
    region: parts.region,
    account: LOCAL_ACCOUNT,
    stackName: parts.template.stackName,
    stateDir: parts.stateDir,
    resources: parts.resources,
    outputs: parts.outputs,
    stateMachines: parts.stateMachines,
    stepFunctions: parts.stepFunctions,
    template: parts.template,
    emulators: parts.emulators,
    clients: parts.clients,
    invoke: (fn, event) => functions.invoke(fn, event, 'direct'),
    invokeAsync: (fn, event) => asyncInvocations.track(() => asyncInvocations.invoke(functions.id(fn), event)),
    functionId: (fn) => functions.id(fn),
    resolve: (value) => resolve(value, parts.context),
    subscribe: (listener) => activity.subscribe(listener),
    asyncFailures: asyncInvocations.failures,
    async idle() {
      // Two quiet checks in a row: a finished invocation may have just caused another.
      let quiet = 0;
      while (quiet < 2) {
        await new Promise((r) => setTimeout(r, IDLE_CHECK_MS));
        quiet = asyncInvocations.inFlight === 0 && pollers.every((p) => !p.busy) ? quiet + 1 : 0;
      }
    },
    stop() {
      stopping ??= parts.cleanups.run();
      return stopping;
    },
  };
}
