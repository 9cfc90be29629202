/**
 * Asynchronous invocations as the stack configures them (EventInvokeConfig retries, event
 * age, destinations), counted while in flight so that callers can wait for quiet, and the
 * destinations themselves: an SQS queue or another function, by ARN.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { invokeAsync, type AsyncOutcome } from './async-invoke.ts';
import { resolveString, type ResolveContext } from './intrinsics.ts';
import type { Emit } from './activity.ts';
import type { StackFunctions } from './stack-functions.ts';
import { resourceOf, type LocalResources } from './stack-resources.ts';
import type { LocalTemplate } from './template.ts';

export interface AsyncFailure {
  readonly function: string;
  readonly condition: string;
  readonly error?: string;
  readonly event: unknown;
}

export interface AsyncInvocationsSettings {
  readonly template: LocalTemplate;
  readonly resources: LocalResources;
  readonly context: ResolveContext;
  readonly functions: StackFunctions;
  readonly sqs: SQSClient;
  readonly emit: Emit;
  /** Pause before an async retry, × attempt (default 200 ms; AWS waits minutes). */
  readonly retryDelayMs?: number;
}

export class AsyncInvocations {
  /** Invocations given up so far (retries exhausted), oldest first. */
  readonly failures: AsyncFailure[] = [];
  readonly #settings: AsyncInvocationsSettings;
  #inFlight = 0;

  constructor(settings: AsyncInvocationsSettings) {
    this.#settings = settings;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Runs `work`, counted as in flight until it settles. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await work();
    } finally {
      this.#inFlight--;
    }
  }

  /** Invokes a function (by logical id) as S3 does: retries, then the destinations. */
  async invoke(id: string, event: unknown): Promise<AsyncOutcome> {
    const { template, resources, functions, emit } = this.#settings;
    const spec = template.functions.find((f) => f.logicalId === id);
    if (spec === undefined) throw new Error(`the template has no function ${id}`);
    const config = template.invokeConfigs.find((c) => c.functionLogicalId === id);
    const onFailureArn = this.#resolveArn(config?.onFailure) ?? this.#resolveArn(spec.deadLetterTarget);
    const outcome = await invokeAsync((e) => functions.invoke(id, e, 'async'), event, {
      functionArn: resourceOf(resources.functions, 'function', id).arn,
      maximumRetryAttempts: config?.maximumRetryAttempts ?? 2,
      maximumEventAgeSeconds: config?.maximumEventAgeSeconds ?? 21_600,
      onFailure: this.destination(onFailureArn),
      onSuccess: this.destination(this.#resolveArn(config?.onSuccess)),
      retryDelayMs: (attempt) => (this.#settings.retryDelayMs ?? 200) * attempt,
    });
    if (!outcome.ok && outcome.condition !== 'Stopped')
      this.failures.push({
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
  }

  /** Sends a destination record to the SQS queue or the function with this ARN; none without an ARN. */
  destination(arn: string | undefined): ((record: Record<string, unknown>) => Promise<void>) | undefined {
    if (!arn) return undefined;
    const { resources, sqs, emit } = this.#settings;
    return async (record) => {
      const queue = Object.values(resources.queues).find((q) => q.arn === arn);
      if (queue) {
        await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(record) }));
        return;
      }
      const fn = Object.entries(resources.functions).find(([, f]) => f.arn === arn.replace(/:\$LATEST$/, ''));
      if (fn) {
        void this.track(() => this.invoke(fn[0], record)).catch((error: Error) =>
          emit({ kind: 'warning', message: `destination ${arn}: ${error.message}` }),
        );
        return;
      }
      emit({ kind: 'warning', message: `destination ${arn} is not a local queue or function; record dropped` });
    };
  }

  #resolveArn(value: unknown): string | undefined {
    return value === undefined ? undefined : resolveString(value, this.#settings.context);
  }
}
