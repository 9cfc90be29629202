/**
 * Runs a state machine definition from the synthesized template with aws-local-stepfunctions:
 * every Lambda Task (`arn:aws:states:::lambda:invoke` or a bare function ARN) is replaced, by
 * state name, with a local invocation of the function's bundle. A function error becomes an
 * error named after its errorType, so the definition's Retry and Catch match as on AWS.
 */
import { ExecutionError, StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JsonValue = Parameters<LocalHandlers[string]>[0];

/** The outcome of one local Lambda invocation (LocalFunction.invoke in lambda-runtime.ts has this shape). */
interface LocalInvocation {
  readonly ok: boolean;
  readonly payload?: unknown;
  readonly error?: { readonly errorType: string; readonly errorMessage: string };
}

/** Invokes a function by the ARN (or name) the definition names. */
type InvokeFunction = (functionArnOrName: string, event: unknown) => Promise<LocalInvocation>;

interface ExecutionEvent {
  readonly type: string;
  readonly state?: string;
  readonly index?: number;
  readonly error?: string;
  readonly cause?: string;
}

export type ExecutionOutcome =
  | { readonly status: 'SUCCEEDED'; readonly output: unknown; readonly events: ExecutionEvent[] }
  | { readonly status: 'FAILED'; readonly error: string; readonly cause: string; readonly events: ExecutionEvent[] };

export interface LocalStateMachineOptions {
  readonly invoke: InvokeFunction;
  /** Called for each state entered/exited/failed and Map iteration, as it happens. */
  readonly onEvent?: (event: ExecutionEvent) => void;
  /** Milliseconds a Retry waits instead of its IntervalSeconds × BackoffRate (tests: 0). */
  readonly retryIntervalMs?: number;
}

interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Retry?: unknown[];
  ItemProcessor?: { States: Record<string, AslState> };
  Iterator?: { States: Record<string, AslState> };
  Branches?: { States: Record<string, AslState> }[];
}

const LAMBDA_INVOKE = /^arn:aws[\w-]*:states:::lambda:invoke$/;
const FUNCTION_ARN = /^arn:aws[\w-]*:lambda:/;

/** Every Lambda Task state by name, nested Map and Parallel states included. */
function lambdaTaskStates(definition: { States: Record<string, AslState> }): Map<string, 'invoke' | 'direct'> {
  const found = new Map<string, 'invoke' | 'direct'>();
  const walk = (states: Record<string, AslState>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task' && state.Resource) {
        if (LAMBDA_INVOKE.test(state.Resource)) found.set(name, 'invoke');
        else if (FUNCTION_ARN.test(state.Resource)) found.set(name, 'direct');
      }
      const inner = state.ItemProcessor ?? state.Iterator;
      if (inner) walk(inner.States);
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk(definition.States);
  return found;
}

/** A local function's error as a thrown error Step Functions matches by name. */
function asStateError(error: { errorType: string; errorMessage: string }): Error {
  const thrown = new Error(error.errorMessage);
  thrown.name = error.errorType;
  return thrown;
}

export class LocalStateMachine {
  readonly definition: StateMachineDefinition;
  readonly #options: LocalStateMachineOptions;
  readonly #tasks: Map<string, 'invoke' | 'direct'>;
  readonly #resources: Map<string, string>;

  /** `definition`: the parsed DefinitionString with every Ref/GetAtt already resolved to local ARNs. */
  constructor(definition: unknown, options: LocalStateMachineOptions) {
    this.definition = definition as StateMachineDefinition;
    this.#options = options;
    const asl = definition as { States: Record<string, AslState> };
    this.#tasks = lambdaTaskStates(asl);
    this.#resources = new Map();
    const collect = (states: Record<string, AslState>) => {
      for (const [name, state] of Object.entries(states)) {
        if (state.Resource) this.#resources.set(name, state.Resource);
        const inner = state.ItemProcessor ?? state.Iterator;
        if (inner) collect(inner.States);
        for (const branch of state.Branches ?? []) collect(branch.States);
      }
    };
    collect(asl.States);
  }

  /** Runs one execution to its end; a failed execution is an outcome, not an exception. */
  async run(input: unknown): Promise<ExecutionOutcome> {
    const handlers: LocalHandlers = {};
    for (const [state, kind] of this.#tasks) {
      handlers[state] = async (input: JsonValue): Promise<JsonValue> => {
        const taskInput = input as Record<string, unknown>;
        const target = kind === 'invoke' ? String(taskInput.FunctionName) : this.#resources.get(state);
        if (target === undefined) throw new Error(`task state ${state} has no Resource`);
        const event = kind === 'invoke' ? taskInput.Payload : taskInput;
        const result = await this.#options.invoke(target, event);
        if (!result.ok)
          throw asStateError(
            result.error ?? { errorType: 'Lambda.Unknown', errorMessage: 'the function failed without an error' },
          );
        const payload = (result.payload ?? null) as JsonValue;
        return kind === 'invoke' ? { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: payload } : payload;
      };
    }
    const retryIntervalOverrides: Record<string, number> = {};
    if (this.#options.retryIntervalMs !== undefined) {
      for (const state of this.#tasks.keys()) retryIntervalOverrides[state] = this.#options.retryIntervalMs;
    }
    const machine = new StateMachine(this.definition, { validationOptions: { checkArn: false } });
    const execution = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
    });
    const events: ExecutionEvent[] = [];
    const logging = (async () => {
      for await (const log of execution.eventLogs) {
        const entry = log as { type: string; state?: { name: string }; index?: number; Error?: string; Cause?: string };
        const event: ExecutionEvent = {
          type: entry.type,
          ...(entry.state ? { state: entry.state.name } : {}),
          ...(entry.index !== undefined ? { index: entry.index } : {}),
          ...(entry.Error !== undefined ? { error: entry.Error } : {}),
          ...(entry.Cause !== undefined ? { cause: String(entry.Cause) } : {}),
        };
        events.push(event);
        this.#options.onEvent?.(event);
      }
    })();
    try {
      const output = await execution.result;
      await logging.catch(() => undefined);
      return { status: 'SUCCEEDED', output, events };
    } catch (error) {
      await logging.catch(() => undefined);
      if (!(error instanceof ExecutionError)) throw error;
      const failed = [...events].reverse().find((e) => e.type === 'ExecutionFailed');
      return {
        status: 'FAILED',
        error: failed?.error ?? (error.cause as Error | undefined)?.name ?? error.name,
        cause: failed?.cause ?? (error.cause as Error | undefined)?.message ?? error.message,
        events,
      };
    }
  }
}

// ---- a local Step Functions endpoint ---------------------------------------------------

export interface LocalExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** Resolves when the execution has ended. */
  readonly done: Promise<void>;
}

export interface StepFunctionsEndpoint {
  /** http://127.0.0.1:<port>: set as AWS_ENDPOINT_URL_SFN for SDK clients and Lambda bundles. */
  readonly endpoint: string;
  /** Makes a state machine startable; its definition's Lambda tasks go to `invoke`. */
  register(stateMachineArn: string, definition: unknown): void;
  readonly executions: ReadonlyMap<string, LocalExecution>;
  /** Follows every execution's state events (and its end, as type 'ExecutionEnded'); returns an unsubscribe. */
  subscribe(listener: (execution: LocalExecution, event: ExecutionEvent) => void): () => void;
  /** Resolves when no execution is running. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface EndpointOptions {
  readonly invoke: InvokeFunction;
  readonly retryIntervalMs?: number;
  readonly onEvent?: (execution: LocalExecution, event: ExecutionEvent) => void;
  readonly onEnd?: (execution: LocalExecution) => void;
}

/**
 * The part of the Step Functions API (JSON 1.0 protocol) the product calls:
 * StartExecution (names are unique per state machine: a second start with that name is
 * ExecutionAlreadyExists, except the same input while running, as on AWS),
 * DescribeExecution and ListExecutions. Executions run in this process.
 */
export async function startStepFunctionsEndpoint(options: EndpointOptions): Promise<StepFunctionsEndpoint> {
  const { createServer } = await import('node:http');
  const machines = new Map<string, LocalStateMachine>();
  const executions = new Map<string, LocalExecution>();
  const listeners = new Set<(execution: LocalExecution, event: ExecutionEvent) => void>();
  const notify = (execution: LocalExecution, event: ExecutionEvent) => {
    options.onEvent?.(execution, event);
    for (const listener of listeners) listener(execution, event);
  };

  const start = (body: { stateMachineArn?: string; name?: string; input?: string }) => {
    const arn = body.stateMachineArn ?? '';
    const machine = machines.get(arn);
    if (!machine) throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    const name = body.name ?? crypto.randomUUID();
    const input = body.input ?? '{}';
    const executionArn = `${arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new ApiError('InvalidExecutionInput', 'Invalid execution input: not JSON');
    }
    const execution: LocalExecution = {
      executionArn,
      stateMachineArn: arn,
      name,
      input,
      startDate: new Date(),
      status: 'RUNNING',
      done: Promise.resolve(),
    };
    const running = new LocalStateMachine(machine.definition, {
      invoke: options.invoke,
      retryIntervalMs: options.retryIntervalMs,
      onEvent: (event) => notify(execution, event),
    });
    (execution as { done: Promise<void> }).done = running
      .run(parsed)
      .then((outcome) => {
        execution.status = outcome.status;
        if (outcome.status === 'SUCCEEDED') execution.output = JSON.stringify(outcome.output);
        else Object.assign(execution, { error: outcome.error, cause: outcome.cause });
      })
      .catch((error: Error) => {
        Object.assign(execution, { status: 'FAILED', error: 'States.Runtime', cause: error.message });
      })
      .finally(() => {
        execution.stopDate = new Date();
        options.onEnd?.(execution);
        notify(execution, { type: 'ExecutionEnded' });
      });
    executions.set(executionArn, execution);
    return execution;
  };

  const describe = (e: LocalExecution) => ({
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate.getTime() / 1000,
    ...(e.stopDate ? { stopDate: e.stopDate.getTime() / 1000 } : {}),
    input: e.input,
    ...(e.output !== undefined ? { output: e.output } : {}),
    ...(e.error !== undefined ? { error: e.error, cause: e.cause } : {}),
  });

  const operations: Record<string, (body: Record<string, string | undefined>) => unknown> = {
    StartExecution: (body) => {
      const e = start(body);
      return { executionArn: e.executionArn, startDate: e.startDate.getTime() / 1000 };
    },
    DescribeExecution: (body) => {
      const e = executions.get(body.executionArn ?? '');
      if (!e) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${body.executionArn}'`);
      return describe(e);
    },
    ListExecutions: (body) => ({
      executions: [...executions.values()]
        .filter(
          (e) => e.stateMachineArn === body.stateMachineArn && (!body.statusFilter || e.status === body.statusFilter),
        )
        .map((e) => {
          const { input: _i, output: _o, error: _e, cause: _c, ...brief } = describe(e);
          return brief;
        }),
    }),
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
      let status = 200;
      let result: unknown;
      try {
        const operation = operations[target];
        if (!operation)
          throw new ApiError(
            'UnknownOperationException',
            `the local Step Functions endpoint does not implement ${target}`,
          );
        result = operation(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string>);
      } catch (error) {
        status = 400;
        const name = error instanceof ApiError ? error.code : 'InternalFailure';
        result = { __type: `com.amazonaws.states#${name}`, message: (error as Error).message };
      }
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(result));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    register(stateMachineArn, definition) {
      machines.set(stateMachineArn, new LocalStateMachine(definition, { invoke: options.invoke }));
    },
    executions,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async idle() {
      for (;;) {
        const running = [...executions.values()].filter((e) => e.status === 'RUNNING');
        if (running.length === 0) return;
        await Promise.all(running.map((e) => e.done));
      }
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

class ApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
