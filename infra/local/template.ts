/**
 * Synthesizes the real CDK app in-process and reads, from its CloudFormation template, what
 * the local cloud must recreate: buckets, queues, streams, Lambda functions (with the bundle
 * CDK built), S3 notification rules, event source mappings, async-invoke configs, state
 * machines and EventBridge rules. Property values stay unresolved here; cloud.ts resolves them once the
 * emulators have given each resource its address (see intrinsics.ts).
 */
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Conditions?: Record<string, unknown>;
  readonly Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

/** Anything with `synth()` returning a cloud assembly: an aws-cdk-lib App. */
interface Synthesizable {
  synth(): { stacks: { stackName: string; template: unknown }[] };
}

export type BuildApp = (options: {
  outdir: string;
  context: Record<string, unknown>;
}) => Synthesizable | Promise<Synthesizable>;

export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** The cloud assembly directory; asset paths in the metadata are relative to it. */
  readonly outdir: string;
}

/** The product's CDK app (infra/app.ts), loaded on demand so this module imports without it. */
async function productApp(): Promise<BuildApp> {
  // A computed specifier: infra/app.ts is another engineer's file and may not exist yet.
  const url = new URL('../app.ts', import.meta.url);
  if (!existsSync(url)) throw new Error('the CDK app (infra/app.ts, exporting buildApp) is missing');
  const module = (await import(url.href)) as { buildApp?: BuildApp };
  if (typeof module.buildApp !== 'function') throw new Error('infra/app.ts exports no buildApp({ outdir, context })');
  return module.buildApp;
}

/**
 * Synthesizes with asset metadata on, so each function names its bundle folder. The bundles
 * leave `@aws-sdk/*` out (Lambda provides it); an outdir outside the project gets a
 * `node_modules` link to the project's so the bundles still resolve it.
 */
export async function synthesize(options: {
  outdir: string;
  buildApp?: BuildApp;
  context?: Record<string, unknown>;
}): Promise<SynthesizedStack[]> {
  const outdir = resolvePath(options.outdir);
  mkdirSync(outdir, { recursive: true });
  const build = options.buildApp ?? (await productApp());
  const app = await build({ outdir, context: { 'aws:cdk:enable-asset-metadata': true, ...options.context } });
  const assembly = app.synth();
  linkProjectModules(outdir);
  return assembly.stacks.map((stack) => ({
    stackName: stack.stackName,
    template: stack.template as CfnTemplate,
    outdir,
  }));
}

function linkProjectModules(outdir: string): void {
  if (outdir.startsWith(PROJECT_ROOT)) return;
  const link = join(outdir, 'node_modules');
  if (!existsSync(link)) symlinkSync(join(PROJECT_ROOT, 'node_modules'), link, 'dir');
}

// ---- what the local cloud reads from a template ------------------------------------------

interface BucketSpec {
  readonly logicalId: string;
  readonly name: string;
}

interface QueueSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly fifo: boolean;
  /** Attributes other than the redrive policy, as CreateQueue expects them (strings). */
  readonly attributes: Record<string, string>;
  /** Unresolved RedrivePolicy (its deadLetterTargetArn is an intrinsic). */
  readonly redrivePolicy?: unknown;
}

interface StreamSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly shardCount: number;
}

export interface FunctionSpec {
  readonly logicalId: string;
  readonly name: string;
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string;
  /** Absolute path of the bundle folder CDK built. */
  readonly assetDir: string;
  readonly runtime: string;
  /** Unresolved environment variables. */
  readonly environment: Record<string, unknown>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** ReservedConcurrentExecutions: at most this many invocations at once (absent: no reservation). */
  readonly reservedConcurrency?: number;
  /** Unresolved DeadLetterConfig.TargetArn, if any. */
  readonly deadLetterTarget?: unknown;
}

export interface NotificationRule {
  readonly bucketLogicalId: string;
  readonly kind: 'lambda' | 'queue';
  /** The function's or queue's logical id. */
  readonly targetLogicalId: string;
  readonly events: string[];
  readonly prefix: string;
  readonly suffix: string;
}

export interface EventSourceMappingSpec {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  /** The source stream or queue's logical id. */
  readonly sourceLogicalId: string;
  readonly sourceType: string;
  readonly batchSize: number;
  readonly startingPosition: string;
  readonly bisectOnError: boolean;
  /** -1 = until the record expires (AWS's default). */
  readonly maximumRetryAttempts: number;
  /** -1 = never. */
  readonly maximumRecordAgeSeconds: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  /** Batches of one shard handled at once (Kinesis; 1..10, AWS's default 1). */
  readonly parallelizationFactor: number;
  /** Batches of a queue handled at once (SQS ScalingConfig.MaximumConcurrency; absent: Lambda's own scaling). */
  readonly maximumConcurrency?: number;
  readonly enabled: boolean;
  /** Unresolved on-failure destination ARN. */
  readonly onFailure?: unknown;
}

interface InvokeConfigSpec {
  readonly functionLogicalId: string;
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  readonly onFailure?: unknown;
  readonly onSuccess?: unknown;
}

export interface StateMachineSpec {
  readonly logicalId: string;
  readonly name: string;
  /** Unresolved DefinitionString (or Definition object). */
  readonly definition: unknown;
}

/** One target of an EventBridge rule; ARNs unresolved. */
interface EventRuleTarget {
  readonly id: string;
  readonly arn: unknown;
  /** Where EventBridge puts an event it could not deliver. */
  readonly deadLetterArn?: unknown;
  /** Input, InputPath or InputTransformer: the target gets a reshaped event (not done locally). */
  readonly reshaped: boolean;
}

export interface EventRuleSpec {
  readonly logicalId: string;
  readonly enabled: boolean;
  /** Unresolved EventPattern; undefined for a schedule. */
  readonly pattern: unknown;
  /** Undefined: the default bus. */
  readonly eventBusName?: unknown;
  readonly targets: EventRuleTarget[];
}

interface BucketDeploymentSpec {
  readonly logicalId: string;
  readonly destinationBucketLogicalId: string;
  readonly prefix: string;
  /** Absolute folders of the directory assets to copy (zip-file sources are not supported locally). */
  readonly sourceDirs: string[];
  /** Source object keys with no asset folder in the cloud assembly. */
  readonly missing: string[];
}

export interface LocalTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
  readonly buckets: BucketSpec[];
  readonly queues: QueueSpec[];
  readonly streams: StreamSpec[];
  readonly functions: FunctionSpec[];
  readonly notifications: NotificationRule[];
  readonly eventSourceMappings: EventSourceMappingSpec[];
  readonly invokeConfigs: InvokeConfigSpec[];
  readonly stateMachines: StateMachineSpec[];
  readonly eventRules: EventRuleSpec[];
  readonly bucketDeployments: BucketDeploymentSpec[];
}

/** A logical id from `{Ref: id}` or `{Fn::GetAtt: [id, attr]}`, or undefined. */
function referencedId(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const att = v['Fn::GetAtt'];
  if (Array.isArray(att)) return String(att[0]);
  if (typeof att === 'string') return att.split('.')[0];
  return undefined;
}

/** A physical name: the template's own when it is a plain string, else derived from the logical id. */
function physicalName(
  explicit: unknown,
  logicalId: string,
  stackName: string,
  lowercase: boolean,
  maxLength: number,
): string {
  if (typeof explicit === 'string') return explicit;
  let name = `${stackName}-${logicalId}`.replace(/[^A-Za-z0-9-]/g, '-');
  if (lowercase) name = name.toLowerCase();
  return name.slice(0, maxLength);
}

/** Reads a synthesized stack into the local cloud's specs. */
export function readTemplate(stack: SynthesizedStack): LocalTemplate {
  const { template, stackName } = stack;
  const byType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  const props = (r: CfnResource) => r.Properties ?? {};

  const buckets = byType('AWS::S3::Bucket').map(([id, r]) => ({
    logicalId: id,
    name: physicalName(props(r).BucketName, id, stackName, true, 63),
  }));

  const queues = byType('AWS::SQS::Queue').map(([id, r]) => {
    const p = props(r);
    const fifo = p.FifoQueue === true || p.FifoQueue === 'true';
    let name = physicalName(p.QueueName, id, stackName, false, fifo ? 75 : 80);
    if (fifo && !name.endsWith('.fifo')) name += '.fifo';
    const attributes: Record<string, string> = {};
    for (const key of [
      'FifoQueue',
      'ContentBasedDeduplication',
      'VisibilityTimeout',
      'MessageRetentionPeriod',
      'DelaySeconds',
      'MaximumMessageSize',
      'ReceiveMessageWaitTimeSeconds',
      'DeduplicationScope',
      'FifoThroughputLimit',
    ]) {
      if (p[key] !== undefined && typeof p[key] !== 'object') attributes[key] = String(p[key]);
    }
    return { logicalId: id, name, fifo, attributes, redrivePolicy: p.RedrivePolicy };
  });

  const streams = byType('AWS::Kinesis::Stream').map(([id, r]) => {
    const p = props(r);
    // On-demand streams have no ShardCount; two shards locally exercise the per-shard pollers.
    const shardCount = typeof p.ShardCount === 'number' ? p.ShardCount : Number(p.ShardCount ?? 2) || 2;
    return { logicalId: id, name: physicalName(p.Name, id, stackName, false, 128), shardCount };
  });

  const functions: FunctionSpec[] = [];
  for (const [id, r] of byType('AWS::Lambda::Function')) {
    const p = props(r);
    const assetPath = r.Metadata?.['aws:asset:path'];
    const runtime = String(p.Runtime ?? '');
    // Inline (ZipFile) or non-Node functions (CDK's own Python custom resources) are not run locally.
    if (typeof assetPath !== 'string' || !runtime.startsWith('nodejs')) continue;
    const env = (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    functions.push({
      logicalId: id,
      name: physicalName(p.FunctionName, id, stackName, false, 64),
      handler: String(p.Handler ?? 'index.handler'),
      assetDir: resolvePath(stack.outdir, assetPath),
      runtime,
      environment: env,
      timeoutSeconds: Number(p.Timeout ?? 3),
      memoryMb: Number(p.MemorySize ?? 128),
      reservedConcurrency:
        typeof p.ReservedConcurrentExecutions === 'number' ? p.ReservedConcurrentExecutions : undefined,
      deadLetterTarget: (p.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn,
    });
  }

  const notifications: NotificationRule[] = [];
  for (const [, r] of byType('Custom::S3BucketNotifications')) {
    const p = props(r);
    const bucketLogicalId = referencedId(p.BucketName);
    if (!bucketLogicalId) continue;
    const config = (p.NotificationConfiguration ?? {}) as Record<string, unknown>;
    const rules = (entry: Record<string, unknown>) => {
      const filters =
        (entry.Filter as { Key?: { FilterRules?: { Name: string; Value: string }[] } } | undefined)?.Key?.FilterRules ??
        [];
      const value = (name: string) => filters.find((f) => f.Name.toLowerCase() === name)?.Value ?? '';
      return { events: (entry.Events as string[]) ?? [], prefix: value('prefix'), suffix: value('suffix') };
    };
    for (const entry of (config.LambdaFunctionConfigurations ?? []) as Record<string, unknown>[]) {
      const target = referencedId(entry.LambdaFunctionArn);
      if (target) notifications.push({ bucketLogicalId, kind: 'lambda', targetLogicalId: target, ...rules(entry) });
    }
    for (const entry of (config.QueueConfigurations ?? []) as Record<string, unknown>[]) {
      const target = referencedId(entry.QueueArn);
      if (target) notifications.push({ bucketLogicalId, kind: 'queue', targetLogicalId: target, ...rules(entry) });
    }
  }

  const eventSourceMappings: EventSourceMappingSpec[] = [];
  for (const [id, r] of byType('AWS::Lambda::EventSourceMapping')) {
    const p = props(r);
    const functionLogicalId = referencedId(p.FunctionName);
    const sourceLogicalId = referencedId(p.EventSourceArn);
    if (!functionLogicalId || !sourceLogicalId) continue;
    const num = (v: unknown, fallback: number) => (v === undefined ? fallback : Number(v));
    eventSourceMappings.push({
      logicalId: id,
      functionLogicalId,
      sourceLogicalId,
      sourceType: template.Resources[sourceLogicalId]?.Type ?? 'unknown',
      batchSize: num(p.BatchSize, 100),
      startingPosition: String(p.StartingPosition ?? 'LATEST'),
      bisectOnError: p.BisectBatchOnFunctionError === true,
      maximumRetryAttempts: num(p.MaximumRetryAttempts, -1),
      maximumRecordAgeSeconds: num(p.MaximumRecordAgeInSeconds, -1),
      maximumBatchingWindowSeconds: num(p.MaximumBatchingWindowInSeconds, 0),
      reportBatchItemFailures:
        Array.isArray(p.FunctionResponseTypes) && p.FunctionResponseTypes.includes('ReportBatchItemFailures'),
      parallelizationFactor: num(p.ParallelizationFactor, 1),
      ...maximumConcurrencyOf(p.ScalingConfig),
      enabled: p.Enabled !== false,
      onFailure: (p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination,
    });
  }

  const invokeConfigs: InvokeConfigSpec[] = [];
  for (const [, r] of byType('AWS::Lambda::EventInvokeConfig')) {
    const p = props(r);
    const functionLogicalId = referencedId(p.FunctionName);
    if (!functionLogicalId) continue;
    const destinations = (p.DestinationConfig ?? {}) as {
      OnFailure?: { Destination?: unknown };
      OnSuccess?: { Destination?: unknown };
    };
    invokeConfigs.push({
      functionLogicalId,
      maximumRetryAttempts: p.MaximumRetryAttempts === undefined ? 2 : Number(p.MaximumRetryAttempts),
      maximumEventAgeSeconds: p.MaximumEventAgeInSeconds === undefined ? 21_600 : Number(p.MaximumEventAgeInSeconds),
      onFailure: destinations.OnFailure?.Destination,
      onSuccess: destinations.OnSuccess?.Destination,
    });
  }

  const stateMachines = byType('AWS::StepFunctions::StateMachine').map(([id, r]) => {
    const p = props(r);
    return {
      logicalId: id,
      name: physicalName(p.StateMachineName, id, stackName, false, 80),
      definition: p.DefinitionString ?? p.Definition,
    };
  });

  const eventRules = byType('AWS::Events::Rule').map(([id, r]) => readEventRule(id, props(r)));

  // BucketDeployment (e.g. the built dashboard): its sources are the cloud assembly's asset
  // folders, `asset.<hash>` for the object key `<hash>.zip`.
  const bucketDeployments: BucketDeploymentSpec[] = [];
  for (const [id, r] of byType('Custom::CDKBucketDeployment')) {
    const p = props(r);
    const destinationBucketLogicalId = referencedId(p.DestinationBucketName);
    if (!destinationBucketLogicalId) continue;
    const sourceDirs: string[] = [];
    const missing: string[] = [];
    for (const key of (p.SourceObjectKeys ?? []) as unknown[]) {
      const dir = typeof key === 'string' ? join(stack.outdir, `asset.${key.replace(/\.zip$/, '')}`) : '';
      if (dir && existsSync(dir)) sourceDirs.push(dir);
      else missing.push(String(typeof key === 'string' ? key : JSON.stringify(key)));
    }
    const prefix = typeof p.DestinationBucketKeyPrefix === 'string' ? p.DestinationBucketKeyPrefix : '';
    bucketDeployments.push({
      logicalId: id,
      destinationBucketLogicalId,
      prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
      sourceDirs,
      missing,
    });
  }

  return {
    stackName,
    template,
    buckets,
    queues,
    streams,
    functions,
    notifications,
    eventSourceMappings,
    invokeConfigs,
    stateMachines,
    eventRules,
    bucketDeployments,
  };
}

function maximumConcurrencyOf(scaling: unknown): { maximumConcurrency?: number } {
  const value = (scaling as { MaximumConcurrency?: unknown } | undefined)?.MaximumConcurrency;
  return value === undefined ? {} : { maximumConcurrency: Number(value) };
}

function readEventRule(logicalId: string, p: Record<string, unknown>): EventRuleSpec {
  const targets = ((p.Targets ?? []) as Record<string, unknown>[]).map((t) => ({
    id: String(t.Id),
    arn: t.Arn,
    deadLetterArn: (t.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn,
    reshaped: t.Input !== undefined || t.InputPath !== undefined || t.InputTransformer !== undefined,
  }));
  return {
    logicalId,
    enabled: p.State === undefined || p.State === 'ENABLED',
    pattern: p.EventPattern,
    eventBusName: p.EventBusName,
    targets,
  };
}

/** S3 key filter as AWS applies it: both prefix and suffix must match (empty = any). */
export function matchesRule(
  rule: Pick<NotificationRule, 'prefix' | 'suffix' | 'events'>,
  key: string,
  eventName: string,
): boolean {
  const eventMatches = rule.events.some((pattern) => {
    const p = pattern.replace(/^s3:/, '');
    return p.endsWith('*') ? eventName.startsWith(p.slice(0, -1)) : p === eventName;
  });
  return eventMatches && key.startsWith(rule.prefix) && key.endsWith(rule.suffix);
}
