/**
 * The stack's functions, each run by a LocalFunction (lambda-runtime.ts) with its own
 * environment: the template's variables resolved, plus what points the SDK at the emulators.
 * Every invocation, whatever triggered it, goes through `invoke`, which reports it.
 */
import { LocalFunction, type InvocationResult, type RuntimeOptions } from './lambda-runtime.ts';
import { resolveString, type ResolveContext } from './intrinsics.ts';
import type { Activity, Emit } from './activity.ts';
import type { FunctionSpec, LocalTemplate } from './template.ts';
import { resourceOf, type LocalResources } from './stack-resources.ts';

export interface StackFunctionsSettings {
  readonly template: LocalTemplate;
  readonly resources: LocalResources;
  readonly context: ResolveContext;
  /** Variables every function gets: the emulators' endpoints, dummy credentials, region. */
  readonly awsEnvironment: Record<string, string>;
  /** The local Step Functions API; set last, so that no template variable points elsewhere. */
  readonly stepFunctionsEndpoint: string;
  /** The local Lambda API (asynchronous Invoke only), for functions that hand an event on. */
  readonly lambdaEndpoint: string;
  readonly runtime: RuntimeOptions;
  readonly emit: Emit;
}

type Trigger = Extract<Activity, { kind: 'invoke' }>['trigger'];

export class StackFunctions {
  readonly #byId = new Map<string, LocalFunction>();
  readonly #settings: StackFunctionsSettings;

  constructor(settings: StackFunctionsSettings) {
    this.#settings = settings;
    for (const spec of settings.template.functions) {
      const config = {
        logicalId: spec.logicalId,
        name: spec.name,
        arn: resourceOf(settings.resources.functions, 'function', spec.logicalId).arn,
        handler: spec.handler,
        assetDir: spec.assetDir,
        environment: functionEnvironment(spec, settings),
        timeoutSeconds: spec.timeoutSeconds,
        memoryMb: spec.memoryMb,
        reservedConcurrency: spec.reservedConcurrency,
      };
      this.#byId.set(spec.logicalId, new LocalFunction(config, settings.runtime));
    }
  }

  has(logicalId: string): boolean {
    return this.#byId.has(logicalId);
  }

  /** The logical id for a logical id, a physical name, an ARN, or an unambiguous part of a logical id. */
  id(fn: string): string {
    if (this.#byId.has(fn)) return fn;
    const { template, resources } = this.#settings;
    const byName = template.functions.find(
      (f) => f.name === fn || resources.functions[f.logicalId]?.arn === fn.replace(/:\$LATEST$/, ''),
    );
    if (byName) return byName.logicalId;
    const ids = [...this.#byId.keys()];
    const prefixed = onlyOne(ids.filter((id) => id.startsWith(fn)));
    if (prefixed !== undefined) return prefixed;
    const containing = onlyOne(ids.filter((id) => id.toLowerCase().includes(fn.toLowerCase())));
    if (containing !== undefined) return containing;
    throw new Error(`no single local function matches "${fn}" (functions: ${ids.join(', ')})`);
  }

  /** Invokes `fn` (any name `id` accepts) once and reports the invocation. */
  async invoke(fn: string, event: unknown, trigger: Trigger): Promise<InvocationResult> {
    const id = this.id(fn);
    const local = this.#byId.get(id);
    if (local === undefined) throw new Error(`no local function ${id}`);
    this.#settings.emit({ kind: 'invoke-start', function: id, trigger });
    const result = await local.invoke(event);
    this.#settings.emit({
      kind: 'invoke',
      function: id,
      trigger,
      ok: result.ok,
      durationMs: result.durationMs,
      peakMemoryBytes: result.peakMemoryBytes,
      error: result.error?.errorMessage,
    });
    return result;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#byId.values()].map((f) => f.stop()));
  }
}

function onlyOne<T>(items: readonly T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}

/** What Lambda sets, the emulator settings, the template's variables resolved, the Step Functions endpoint. */
function functionEnvironment(spec: FunctionSpec, settings: StackFunctionsSettings): Record<string, string> {
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
    ...settings.awsEnvironment,
  };
  for (const [name, value] of Object.entries(spec.environment)) {
    try {
      env[name] = resolveString(value, settings.context);
    } catch (error) {
      env[name] = '';
      settings.emit({
        kind: 'warning',
        message: `${spec.name}: environment ${name} unresolved (${(error as Error).message})`,
      });
    }
  }
  env.AWS_ENDPOINT_URL_SFN = settings.stepFunctionsEndpoint;
  env.AWS_ENDPOINT_URL_LAMBDA = settings.lambdaEndpoint;
  return env;
}
