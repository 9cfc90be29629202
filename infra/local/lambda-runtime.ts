/**
 * Runs one Lambda function locally: a small pool of worker threads (one invocation at a
 * time each, like Lambda's execution environments), each with the function's own
 * environment, its timeout and, by default, its memory setting as the limit: of the heap (the
 * worker's resourceLimits, split as Lambda's bootstrap splits it), and of heap plus off-heap buffers as sampled during the
 * invocation (typed arrays live outside the heap, and Lambda counts them).
 * `invoke` resolves with the outcome; a function error is an outcome, not an exception.
 */
import type { Worker } from 'node:worker_threads';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { InvokeReply, InvokeRequest, WorkerInit } from './lambda-worker.ts';
import { lambdaHeapLimits, startEnvironmentThread } from './lambda-thread.ts';

export interface LocalFunctionConfig {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string;
  readonly assetDir: string;
  /** The complete environment of the function (template variables and the emulator settings). */
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Caps the execution environments (a function that must never run twice at once has 1). */
  readonly reservedConcurrency?: number;
}

export interface RuntimeOptions {
  /** Execution environments per function (default 2). */
  readonly maxConcurrency?: number;
  /** Where the function's console output goes (default: discarded). */
  readonly onOutput?: (functionName: string, chunk: string) => void;
  /** Cap each worker's heap at the function's MemorySize, as Lambda would (default true). */
  readonly enforceMemory?: boolean;
}

interface FunctionError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: string[];
}

export interface InvocationResult {
  readonly requestId: string;
  readonly ok: boolean;
  /** The handler's return value (JSON round trip), when ok. */
  readonly payload?: unknown;
  readonly error?: FunctionError;
  readonly durationMs: number;
  /** Peak heap + external memory of the worker during the invocation. */
  readonly peakMemoryBytes: number;
}

interface Pending {
  request: InvokeRequest;
  resolve(result: InvocationResult): void;
}

interface Environment {
  worker: Worker;
  current?: Pending;
  timer?: NodeJS.Timeout;
}

const WORKER_URL = new URL('./lambda-worker.ts', import.meta.url);

/** The errorType of an invocation cut short because the local cloud is stopping. */
export const STOPPED = 'Runtime.Stopped';

export class LocalFunction {
  readonly config: LocalFunctionConfig;
  readonly #options: RuntimeOptions;
  readonly #idle: Environment[] = [];
  readonly #all = new Set<Environment>();
  readonly #queue: Pending[] = [];
  #nextId = 1;
  #stopped = false;
  #modulePath: string | undefined;

  constructor(config: LocalFunctionConfig, options: RuntimeOptions = {}) {
    this.config = config;
    this.#options = options;
  }

  /** Invokes the function with `event` (synchronously, from the caller's point of view). */
  invoke(event: unknown): Promise<InvocationResult> {
    if (this.#stopped)
      return Promise.resolve(
        failure({ id: 0, requestId: randomUUID(), payload: '', deadline: 0 }, STOPPED, 'the local cloud stopped'),
      );
    const timeoutMs = this.config.timeoutSeconds * 1000;
    return new Promise((resolve) => {
      const request: InvokeRequest = {
        id: this.#nextId++,
        requestId: randomUUID(),
        payload: JSON.stringify(event ?? null),
        deadline: Date.now() + timeoutMs,
      };
      this.#queue.push({ request, resolve });
      this.#dispatch();
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const pending of this.#queue.splice(0))
      pending.resolve(failure(pending.request, STOPPED, 'the local cloud stopped'));
    await Promise.all([...this.#all].map((env) => this.#retire(env, failure)));
  }

  #dispatch(): void {
    // The head of the queue leaves it only once an environment takes it (or cannot be made).
    for (let pending = this.#queue[0]; pending !== undefined; pending = this.#queue[0]) {
      let env = this.#idle.pop();
      if (!env) {
        if (this.#all.size >= this.#maxEnvironments()) return;
        try {
          env = this.#spawn();
        } catch (error) {
          this.#queue.shift();
          pending.resolve(failure(pending.request, 'Runtime.ImportModuleError', (error as Error).message));
          continue;
        }
      }
      this.#queue.shift();
      env.current = pending;
      // The worker's own deadline starts when it begins: queueing time does not count, as on Lambda.
      pending.request.deadline = Date.now() + this.config.timeoutSeconds * 1000;
      env.timer = setTimeout(() => {
        void this.#retire(env, (request) =>
          failure(request, 'Sandbox.Timedout', `Task timed out after ${this.config.timeoutSeconds.toFixed(2)} seconds`),
        );
      }, this.config.timeoutSeconds * 1000);
      env.worker.postMessage(pending.request);
    }
  }

  #maxEnvironments(): number {
    const pool = this.#options.maxConcurrency ?? 2;
    const reserved = this.config.reservedConcurrency;
    return reserved === undefined ? pool : Math.max(1, Math.min(pool, reserved));
  }

  #spawn(): Environment {
    const { config } = this;
    const init: WorkerInit = {
      modulePath: this.#resolveModule(),
      exportName: config.handler.slice(config.handler.lastIndexOf('.') + 1),
      functionName: config.name,
      functionArn: config.arn,
      memoryMb: config.memoryMb,
      logGroupName: `/aws/lambda/${config.name}`,
    };
    const enforce = this.#options.enforceMemory ?? true;
    const worker = startEnvironmentThread(WORKER_URL, {
      // The thread's name (Linux keeps 15 bytes) tells the function apart in profiles and /proc.
      name: config.logicalId,
      workerData: init,
      env: config.environment,
      stdout: true,
      stderr: true,
      resourceLimits: enforce ? lambdaHeapLimits(config.memoryMb) : undefined,
    });
    const env: Environment = { worker };
    const output = (chunk: Buffer) => this.#options.onOutput?.(config.name, chunk.toString());
    worker.stdout.on('data', output);
    worker.stderr.on('data', output);
    worker.on('message', (reply: InvokeReply) => this.#finish(env, reply));
    worker.on('error', (error: Error & { code?: string }) => {
      const type = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
      void this.#retire(env, (request) => failure(request, type, error.message));
    });
    worker.on('exit', (code) => {
      if (this.#all.has(env))
        void this.#retire(env, (request) =>
          failure(request, 'Runtime.ExitError', `the runtime exited with code ${code}`),
        );
    });
    worker.unref();
    this.#all.add(env);
    return env;
  }

  /** The bundle's entry file; a CommonJS `.js` bundle gets the package.json Lambda would assume. */
  #resolveModule(): string {
    if (this.#modulePath) return this.#modulePath;
    const file = this.config.handler.slice(0, this.config.handler.lastIndexOf('.'));
    for (const ext of ['.mjs', '.cjs', '.js']) {
      const path = join(this.config.assetDir, file + ext);
      if (!existsSync(path)) continue;
      const manifest = join(this.config.assetDir, 'package.json');
      // The project's package.json says "type": "module"; Lambda would read index.js as CommonJS.
      if (ext === '.js' && !existsSync(manifest)) writeFileSync(manifest, '{ "type": "commonjs" }\n');
      this.#modulePath = path;
      return path;
    }
    throw new Error(`no bundle for ${this.config.handler} in ${this.config.assetDir}`);
  }

  #finish(env: Environment, reply: InvokeReply): void {
    const pending = env.current;
    if (!pending || pending.request.id !== reply.id) return;
    clearTimeout(env.timer);
    env.current = undefined;
    const base = {
      requestId: pending.request.requestId,
      durationMs: reply.durationMs,
      peakMemoryBytes: reply.peakMemoryBytes,
    };
    const limitBytes = this.config.memoryMb * 2 ** 20;
    if ((this.#options.enforceMemory ?? true) && reply.peakMemoryBytes > limitBytes) {
      // Lambda ends an environment that outgrows its memory; so does this one.
      const used = Math.round(reply.peakMemoryBytes / 2 ** 20);
      const message = `peak memory ${used} MB (heap + buffers) exceeds the function's ${this.config.memoryMb} MB`;
      pending.resolve({
        ...base,
        ok: false,
        error: { errorType: 'Runtime.OutOfMemory', errorMessage: message, trace: [] },
      });
      void this.#retire(env, failure);
      return;
    }
    if (reply.ok) pending.resolve({ ...base, ok: true, payload: JSON.parse(reply.payload) as unknown });
    else pending.resolve({ ...base, ok: false, error: reply.error });
    if (this.#stopped) return;
    this.#idle.push(env);
    this.#dispatch();
  }

  /** Ends an environment (timeout, crash, stop); its current invocation fails with `toResult`. */
  async #retire(
    env: Environment,
    toResult: (request: InvokeRequest, type: string, message: string) => InvocationResult,
  ): Promise<void> {
    if (!this.#all.delete(env)) return;
    clearTimeout(env.timer);
    const idleAt = this.#idle.indexOf(env);
    if (idleAt >= 0) this.#idle.splice(idleAt, 1);
    const pending = env.current;
    env.current = undefined;
    if (pending) pending.resolve(toResult(pending.request, STOPPED, 'the local cloud stopped'));
    await env.worker.terminate();
    if (!this.#stopped) this.#dispatch();
  }
}

function failure(request: InvokeRequest, errorType: string, errorMessage: string): InvocationResult {
  return {
    requestId: request.requestId,
    ok: false,
    error: { errorType, errorMessage, trace: [] },
    durationMs: 0,
    peakMemoryBytes: 0,
  };
}
