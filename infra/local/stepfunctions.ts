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
export interface LocalInvocation {
  readonly ok: boolean;
  readonly payload?: unknown;
  readonly error?: { readonly errorType: string; readonly errorMessage: string };
}

/** Invokes a function by the ARN (or name) the definition names. */
export type InvokeFunction = (functionArnOrName: string, event: unknown) => Promise<LocalInvocation>;

export interface ExecutionEvent {
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
export function lambdaTaskStates(definition: { States: Record<string, AslState> }): Map<string, 'invoke' | 'direct'> {
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
        const target = kind === 'invoke' ? String(taskInput.FunctionName) : this.#resources.get(state)!;
        const event = kind === 'invoke' ? taskInput.Payload : taskInput;
        const result = await this.#options.invoke(target, event);
        if (!result.ok) throw asStateError(result.error ?? { errorType: 'Lambda.Unknown', errorMessage: 'the function failed without an error' });
        const payload = (result.payload ?? null) as JsonValue;
        return kind === 'invoke' ? { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: payload } : payload;
      };
    }
    const retryIntervalOverrides: Record<string, number> = {};
    if (this.#options.retryIntervalMs !== undefined) {
      for (const state of this.#tasks.keys()) retryIntervalOverrides[state] = this.#options.retryIntervalMs;
    }
    const machine = new StateMachine(this.definition, { validationOptions: { checkArn: false } });
    const execution = machine.run(input as never, { overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides } });
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
