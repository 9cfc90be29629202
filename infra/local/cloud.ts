/**
 * The local cloud: the real stack, synthesized, recreated in in-process emulators and run.
 * Buckets, queues and streams come from the template; each Lambda runs the bundle CDK built
 * in its own worker threads with its own environment; S3 notifications, async-invoke
 * retries and destinations, and Kinesis event source mappings are wired the way AWS wires
 * them. Nothing here knows a particular handler: new resources plug in through the stack.
 */
import { createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { S3Client, CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  SQSClient,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { KinesisClient, CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import {
  startEmulators,
  s3ClientConfig,
  sqsClientConfig,
  kinesisClientConfig,
  localAwsEnv,
  LOCAL_ACCOUNT,
  type Emulators,
  type Endpoints,
  type S3Upload,
} from './emulators.ts';
import {
  synthesize,
  readTemplate,
  matchesRule,
  PROJECT_ROOT,
  type BuildApp,
  type LocalTemplate,
  type FunctionSpec,
  type SynthesizedStack,
} from './template.ts';
import { synthCacheEnabled, synthesizeProductCached } from './synth-cache.ts';
import { resolve, resolveString, type ResolveContext, type ResourceAddress } from './intrinsics.ts';
import { LocalFunction, type InvocationResult } from './lambda-runtime.ts';
import { invokeAsync, type AsyncOutcome } from './async-invoke.ts';
import { KinesisPoller, type BatchOutcome } from './kinesis-poller.ts';
import { buildS3Event } from './s3-event.ts';
import { claimState, defaultStateDir, removeState, writeState } from './state-file.ts';
import { startStepFunctionsEndpoint, type StepFunctionsEndpoint } from './stepfunctions.ts';

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

export type Activity =
  | { kind: 'upload'; bucket: string; key: string }
  | {
      kind: 'invoke';
      function: string;
      trigger: 'direct' | 'async';
      ok: boolean;
      durationMs: number;
      peakMemoryBytes: number;
      error?: string;
    }
  | { kind: 'async-done'; function: string; ok: boolean; attempts: number; condition?: string; destination?: string }
  | ({ kind: 'batch'; function: string } & BatchOutcome)
  | { kind: 'warning'; message: string };

export interface AsyncFailure {
  readonly function: string;
  readonly condition: string;
  readonly error?: string;
  readonly event: unknown;
}

export interface LocalResources {
  readonly buckets: Record<string, { name: string; arn: string }>;
  readonly queues: Record<string, { name: string; url: string; arn: string }>;
  readonly streams: Record<string, { name: string; arn: string }>;
  readonly functions: Record<string, { name: string; arn: string }>;
  readonly stateMachines: Record<string, { name: string; arn: string }>;
}

export interface ResolvedStateMachine {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The ASL definition with every Ref/GetAtt resolved to local names and ARNs. */
  readonly definition: Record<string, unknown>;
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
  readonly clients: { readonly s3: S3Client; readonly sqs: SQSClient; readonly kinesis: KinesisClient };
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const stateDir = options.stateDir ?? defaultStateDir();
  const region = options.region ?? 'us-east-1';
  claimState(stateDir, region);
  const cleanups: (() => unknown)[] = [() => removeState(stateDir)];
  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // keep stopping the rest
      }
    }
  };
  try {
    return await bringUp(options, stateDir, region, cleanups, runCleanups);
  } catch (error) {
    await runCleanups();
    throw error;
  }
}

async function bringUp(
  options: LocalCloudOptions,
  stateDir: string,
  region: string,
  cleanups: (() => unknown)[],
  runCleanups: () => Promise<void>,
): Promise<LocalCloud> {
  const listeners = new Set<(activity: Activity) => void>();
  if (options.onActivity) listeners.add(options.onActivity);
  const emit = (activity: Activity) => {
    for (const listener of listeners) listener(activity);
  };
  const asyncFailures: AsyncFailure[] = [];
  const stacks = await synthesizeFor(options, stateDir);
  if (stacks.length !== 1) throw new Error(`the local cloud runs one stack, the app has ${stacks.length}`);
  const template = readTemplate(stacks[0]);

  const emulators = await startEmulators({ region });
  cleanups.push(() => emulators.stop());
  const s3 = new S3Client(s3ClientConfig(emulators));
  const sqs = new SQSClient(sqsClientConfig(emulators));
  const kinesis = new KinesisClient(kinesisClientConfig(emulators));
  cleanups.push(() => [s3, sqs, kinesis].forEach((c) => c.destroy()));
  // Executions run in-process; their Lambda tasks go to `invoke` below (called only once it exists).
  const stepFunctions = await startStepFunctionsEndpoint({ invoke: (fn, event) => invoke(fn, event) });
  cleanups.push(() => stepFunctions.stop());

  // ---- resources and their addresses ----
  const account = LOCAL_ACCOUNT;
  const addresses = new Map<string, ResourceAddress>();
  const context: ResolveContext = {
    region,
    account,
    stackName: template.stackName,
    addresses,
    conditions: template.template.Conditions,
  };
  const resources: LocalResources = { buckets: {}, queues: {}, streams: {}, functions: {}, stateMachines: {} };
  for (const [id, resource] of Object.entries(template.template.Resources))
    addresses.set(id, placeholderAddress(id, resource.Type, region, account));

  for (const bucket of template.buckets) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket.name }));
    const arn = `arn:aws:s3:::${bucket.name}`;
    resources.buckets[bucket.logicalId] = { name: bucket.name, arn };
    addresses.set(bucket.logicalId, {
      ref: bucket.name,
      attributes: {
        Arn: arn,
        DomainName: `${bucket.name}.s3.amazonaws.com`,
        RegionalDomainName: `${bucket.name}.s3.${region}.amazonaws.com`,
        WebsiteURL: `${emulators.endpoints.s3}/${bucket.name}`,
      },
    });
  }
  for (const queue of template.queues) {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: queue.attributes }));
    const url = created.QueueUrl!;
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    const arn = attrs.Attributes?.QueueArn ?? `arn:aws:sqs:${region}:${account}:${queue.name}`;
    resources.queues[queue.logicalId] = { name: queue.name, url, arn };
    addresses.set(queue.logicalId, { ref: url, attributes: { Arn: arn, QueueName: queue.name, QueueUrl: url } });
  }
  for (const queue of template.queues) {
    if (queue.redrivePolicy === undefined) continue;
    const policy = resolve(queue.redrivePolicy, context);
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: resources.queues[queue.logicalId].url,
        Attributes: { RedrivePolicy: JSON.stringify(policy) },
      }),
    );
  }
  for (const stream of template.streams) {
    await kinesis.send(new CreateStreamCommand({ StreamName: stream.name, ShardCount: stream.shardCount }));
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream.name }));
    const arn =
      summary.StreamDescriptionSummary?.StreamARN ?? `arn:aws:kinesis:${region}:${account}:stream/${stream.name}`;
    resources.streams[stream.logicalId] = { name: stream.name, arn };
    addresses.set(stream.logicalId, { ref: stream.name, attributes: { Arn: arn } });
  }
  for (const fn of template.functions) {
    const arn = `arn:aws:lambda:${region}:${account}:function:${fn.name}`;
    resources.functions[fn.logicalId] = { name: fn.name, arn };
    addresses.set(fn.logicalId, { ref: fn.name, attributes: { Arn: arn } });
  }
  for (const machine of template.stateMachines) {
    const arn = `arn:aws:states:${region}:${account}:stateMachine:${machine.name}`;
    resources.stateMachines[machine.logicalId] = { name: machine.name, arn };
    addresses.set(machine.logicalId, {
      ref: arn,
      attributes: { Arn: arn, Name: machine.name, StateMachineRevisionId: 'local' },
    });
  }

  // ---- bucket deployments (files CDK would copy into a bucket at deploy time) ----
  for (const deployment of template.bucketDeployments) {
    const bucket = resources.buckets[deployment.destinationBucketLogicalId];
    if (!bucket) continue;
    for (const missing of deployment.missing)
      emit({
        kind: 'warning',
        message: `${deployment.logicalId}: source ${missing} is not a folder asset; not deployed locally`,
      });
    for (const dir of deployment.sourceDirs) await uploadFolder(s3, dir, bucket.name, deployment.prefix);
  }

  // ---- functions ----
  const logs = new Map<string, WriteStream>();
  const output =
    options.onOutput ??
    ((name: string, chunk: string) => {
      let stream = logs.get(name);
      if (!stream) {
        mkdirSync(join(stateDir, 'logs'), { recursive: true });
        stream = createWriteStream(join(stateDir, 'logs', `${name}.log`), { flags: 'a' });
        logs.set(name, stream);
      }
      stream.write(chunk);
    });
  cleanups.push(() => Promise.all([...logs.values()].map((s) => new Promise((r) => s.end(r)))));

  const functions = new Map<string, LocalFunction>();
  for (const spec of template.functions) {
    functions.set(
      spec.logicalId,
      new LocalFunction(
        {
          logicalId: spec.logicalId,
          name: spec.name,
          arn: resources.functions[spec.logicalId].arn,
          handler: spec.handler,
          assetDir: spec.assetDir,
          environment: {
            ...functionEnvironment(spec, emulators, region, context, emit),
            AWS_ENDPOINT_URL_SFN: stepFunctions.endpoint,
          },
          timeoutSeconds: spec.timeoutSeconds,
          memoryMb: spec.memoryMb,
        },
        { maxConcurrency: options.maxConcurrency, onOutput: output },
      ),
    );
  }
  cleanups.push(() => Promise.all([...functions.values()].map((f) => f.stop())));

  const functionId = (fn: string): string => {
    if (functions.has(fn)) return fn;
    const byName = template.functions.find(
      (f) => f.name === fn || resources.functions[f.logicalId].arn === fn.replace(/:\$LATEST$/, ''),
    );
    if (byName) return byName.logicalId;
    const ids = [...functions.keys()];
    const prefixed = ids.filter((id) => id.startsWith(fn));
    if (prefixed.length === 1) return prefixed[0];
    const containing = ids.filter((id) => id.toLowerCase().includes(fn.toLowerCase()));
    if (containing.length === 1) return containing[0];
    throw new Error(`no single local function matches "${fn}" (functions: ${ids.join(', ')})`);
  };

  const invoke = async (fn: string, event: unknown): Promise<InvocationResult> => {
    const id = functionId(fn);
    const result = await functions.get(id)!.invoke(event);
    emit({
      kind: 'invoke',
      function: id,
      trigger: 'direct',
      ok: result.ok,
      durationMs: result.durationMs,
      peakMemoryBytes: result.peakMemoryBytes,
      error: result.error?.errorMessage,
    });
    return result;
  };

  /** Sends a destination record to an SQS queue or a function, by ARN. */
  const deliverTo = (arn: string | undefined) => {
    if (!arn) return undefined;
    return async (record: Record<string, unknown>) => {
      const queue = Object.values(resources.queues).find((q) => q.arn === arn);
      if (queue) {
        await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(record) }));
        return;
      }
      const fn = Object.entries(resources.functions).find(([, f]) => f.arn === arn.replace(/:\$LATEST$/, ''));
      if (fn) {
        void trackAsync(() => invokeAsyncById(fn[0], record)).catch((error: Error) =>
          emit({ kind: 'warning', message: `destination ${arn}: ${error.message}` }),
        );
        return;
      }
      emit({ kind: 'warning', message: `destination ${arn} is not a local queue or function; record dropped` });
    };
  };

  // ---- async invocations, tracked so callers can wait for quiet ----
  let inFlight = 0;
  const trackAsync = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await work();
    } finally {
      inFlight--;
    }
  };
  const invokeAsyncById = async (id: string, event: unknown): Promise<AsyncOutcome> => {
    const spec = template.functions.find((f) => f.logicalId === id)!;
    const config = template.invokeConfigs.find((c) => c.functionLogicalId === id);
    const resolveArn = (v: unknown) => (v === undefined ? undefined : resolveString(v, context));
    const onFailureArn = resolveArn(config?.onFailure) ?? resolveArn(spec.deadLetterTarget);
    const outcome = await invokeAsync(
      async (e) => {
        const result = await functions.get(id)!.invoke(e);
        emit({
          kind: 'invoke',
          function: id,
          trigger: 'async',
          ok: result.ok,
          durationMs: result.durationMs,
          peakMemoryBytes: result.peakMemoryBytes,
          error: result.error?.errorMessage,
        });
        return result;
      },
      event,
      {
        functionArn: resources.functions[id].arn,
        maximumRetryAttempts: config?.maximumRetryAttempts ?? 2,
        maximumEventAgeSeconds: config?.maximumEventAgeSeconds ?? 21_600,
        onFailure: deliverTo(onFailureArn),
        onSuccess: deliverTo(resolveArn(config?.onSuccess)),
        retryDelayMs: (attempt) => (options.asyncRetryDelayMs ?? 200) * attempt,
      },
    );
    if (!outcome.ok && outcome.condition !== 'Stopped')
      asyncFailures.push({
        function: id,
        condition: outcome.condition ?? 'failed',
        error: outcome.last.error?.errorMessage,
        event,
      });
    emit({
      kind: 'async-done',
      function: id,
      ok: outcome.ok,
      attempts: outcome.attempts,
      condition: outcome.condition,
      destination: outcome.ok ? undefined : onFailureArn,
    });
    return outcome;
  };

  // ---- S3 notifications ----
  const bucketIdByName = new Map(Object.entries(resources.buckets).map(([id, b]) => [b.name, id]));
  const onUpload = (upload: S3Upload) => {
    const bucketId = bucketIdByName.get(upload.bucket);
    if (!bucketId) return;
    emit({ kind: 'upload', bucket: upload.bucket, key: upload.key });
    const rules = template.notifications.filter(
      (r) => r.bucketLogicalId === bucketId && matchesRule(r, upload.key, 'ObjectCreated:Put'),
    );
    if (rules.length === 0) return;
    void trackAsync(async () => {
      const head = await s3
        .send(new HeadObjectCommand({ Bucket: upload.bucket, Key: upload.key }))
        .catch(() => undefined);
      const event = buildS3Event({
        region,
        bucket: upload.bucket,
        key: upload.key,
        size: head?.ContentLength ?? 0,
        eTag: head?.ETag ?? '',
        at: upload.at,
      });
      await Promise.all(
        rules.map(async (rule) => {
          if (rule.kind === 'lambda') {
            if (functions.has(rule.targetLogicalId)) await invokeAsyncById(rule.targetLogicalId, event);
          } else {
            const queue = resources.queues[rule.targetLogicalId];
            if (queue)
              await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(event) }));
          }
        }),
      );
    }).catch((error: Error) =>
      emit({ kind: 'warning', message: `S3 notification for ${upload.key} failed: ${error.message}` }),
    );
  };
  cleanups.push(emulators.onS3Upload(onUpload));

  // ---- event source mappings ----
  const pollers: KinesisPoller[] = [];
  for (const mapping of template.eventSourceMappings) {
    if (!mapping.enabled || !functions.has(mapping.functionLogicalId)) continue;
    const stream = resources.streams[mapping.sourceLogicalId];
    if (!stream) {
      emit({
        kind: 'warning',
        message: `event source mapping ${mapping.logicalId}: ${mapping.sourceType} sources are not run locally`,
      });
      continue;
    }
    const fnId = mapping.functionLogicalId;
    const poller = new KinesisPoller({
      kinesis,
      streamName: stream.name,
      streamArn: stream.arn,
      region,
      functionArn: resources.functions[fnId].arn,
      settings: mapping,
      invoke: async (event) => {
        const result = await functions.get(fnId)!.invoke(event);
        emit({
          kind: 'invoke',
          function: fnId,
          trigger: 'async',
          ok: result.ok,
          durationMs: result.durationMs,
          peakMemoryBytes: result.peakMemoryBytes,
          error: result.error?.errorMessage,
        });
        return result;
      },
      onFailure: deliverTo(mapping.onFailure === undefined ? undefined : resolveString(mapping.onFailure, context)),
      onBatch: (outcome) => emit({ kind: 'batch', function: fnId, ...outcome }),
      pollIntervalMs: options.kinesisPollIntervalMs,
    });
    await poller.start();
    pollers.push(poller);
  }
  // Pollers stop before the functions and emulators they use (cleanups run in reverse).
  cleanups.push(() => Promise.all(pollers.map((p) => p.stop())));

  // ---- state machines, outputs, the state file ----
  const stateMachines: ResolvedStateMachine[] = template.stateMachines.map((machine) => {
    const raw = template.template.Resources[machine.logicalId].Properties ?? {};
    let text =
      typeof machine.definition === 'string' ||
      (machine.definition && typeof machine.definition === 'object' && !('States' in machine.definition))
        ? resolveString(machine.definition, context)
        : JSON.stringify(resolve(machine.definition, context));
    const substitutions = (resolve(raw.DefinitionSubstitutions ?? {}, context) ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(substitutions)) text = text.split(`\${${key}}`).join(String(value));
    return {
      logicalId: machine.logicalId,
      name: machine.name,
      arn: resources.stateMachines[machine.logicalId].arn,
      definition: JSON.parse(text) as Record<string, unknown>,
    };
  });

  for (const machine of stateMachines) stepFunctions.register(machine.arn, machine.definition);

  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.template.Outputs ?? {})) {
    try {
      outputs[name] = resolveString(output.Value, context);
    } catch (error) {
      emit({ kind: 'warning', message: `output ${name}: ${(error as Error).message}` });
    }
  }

  writeState(stateDir, {
    formatVersion: 1,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    region,
    endpoints: { ...emulators.endpoints, stepFunctions: stepFunctions.endpoint },
    resources,
    outputs,
  });

  let stopping: Promise<void> | undefined;
  return {
    endpoints: emulators.endpoints,
    region,
    account,
    stackName: template.stackName,
    stateDir,
    resources,
    outputs,
    stateMachines,
    stepFunctions,
    template,
    emulators,
    clients: { s3, sqs, kinesis },
    invoke,
    invokeAsync: (fn, event) => trackAsync(() => invokeAsyncById(functionId(fn), event)),
    functionId,
    resolve: (value) => resolve(value, context),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    asyncFailures,
    async idle() {
      // Two quiet checks in a row: a finished invocation may have just caused another.
      let quiet = 0;
      while (quiet < 2) {
        await sleep(50);
        quiet = inFlight === 0 && pollers.every((p) => !p.busy) ? quiet + 1 : 0;
      }
    },
    stop() {
      stopping ??= runCleanups();
      return stopping;
    },
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** Copies a folder into a bucket under `prefix`, with content types by extension. */
async function uploadFolder(s3: S3Client, dir: string, bucket: string, prefix: string): Promise<void> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  for (const file of files) {
    const path = join(file.parentPath, file.name);
    const key = prefix + relative(dir, path).split(sep).join('/');
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: readFileSync(path),
        ContentType: CONTENT_TYPES[extname(file.name).toLowerCase()] ?? 'application/octet-stream',
      }),
    );
  }
}

/**
 * The product app goes through the synthesis cache (its cdk.json context applied, as `cdk
 * synth` would); an app given by the caller (test fixtures) is synthesized into the state folder.
 */
async function synthesizeFor(options: LocalCloudOptions, stateDir: string): Promise<SynthesizedStack[]> {
  if (!options.buildApp) {
    const context = { ...cdkJsonContext(), ...options.context };
    if (synthCacheEnabled()) return (await synthesizeProductCached(context)).stacks;
    const synthDir = join(stateDir, 'synth');
    rmSync(synthDir, { recursive: true, force: true });
    return synthesize({ outdir: synthDir, context });
  }
  const synthDir = join(stateDir, 'synth');
  rmSync(synthDir, { recursive: true, force: true });
  return synthesize({ outdir: synthDir, buildApp: options.buildApp, context: options.context });
}

/** The `context` of cdk.json, which the CDK CLI would pass to the app. */
function cdkJsonContext(): Record<string, unknown> {
  try {
    return (
      (JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> })
        .context ?? {}
    );
  } catch {
    return {};
  }
}

/** A function's environment: the template's variables resolved, plus what points the SDK at the emulators. */
function functionEnvironment(
  spec: FunctionSpec,
  emulators: Emulators,
  region: string,
  context: ResolveContext,
  emit: (a: Activity) => void,
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: 'UTC',
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
    LAMBDA_TASK_ROOT: spec.assetDir,
    _HANDLER: spec.handler,
    ...localAwsEnv({ endpoints: emulators.endpoints, region }),
  };
  for (const [name, value] of Object.entries(spec.environment)) {
    try {
      env[name] = resolveString(value, context);
    } catch (error) {
      env[name] = '';
      emit({ kind: 'warning', message: `${spec.name}: environment ${name} unresolved (${(error as Error).message})` });
    }
  }
  return env;
}

/** Ref = logical id, Arn = a plausible ARN: for resources the local cloud does not create (roles, log groups...). */
function placeholderAddress(logicalId: string, type: string, region: string, account: string): ResourceAddress {
  const service = type.split('::')[1]?.toLowerCase() ?? 'local';
  const arn =
    service === 'iam'
      ? `arn:aws:iam::${account}:role/${logicalId}`
      : `arn:aws:${service}:${region}:${account}:${logicalId}`;
  const attributes = new Proxy({ Arn: arn } as Record<string, string>, {
    get: (target, attribute) =>
      typeof attribute === 'string' ? (target[attribute] ?? `local-${logicalId}-${attribute}`) : undefined,
  });
  return { ref: logicalId, attributes };
}
