/**
 * Lambda's asynchronous invocation (what S3 notifications use): retry a failed invocation
 * up to MaximumRetryAttempts (AWS waits about 1 then 2 minutes; locally a short pause),
 * drop events older than MaximumEventAgeInSeconds, then hand the outcome to the on-failure
 * (or on-success) destination as AWS's destination record.
 */
import { STOPPED, type InvocationResult } from './lambda-runtime.ts';

export interface AsyncInvokeSettings {
  readonly functionArn: string;
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  /** Sends a destination record; absent = no destination. */
  readonly onFailure?: (record: Record<string, unknown>) => Promise<void>;
  readonly onSuccess?: (record: Record<string, unknown>) => Promise<void>;
  /** Pause before retry n (1-based); default 200 ms × n. */
  readonly retryDelayMs?: (attempt: number) => number;
}

export interface AsyncOutcome {
  readonly ok: boolean;
  readonly attempts: number;
  readonly last: InvocationResult;
  /** 'RetriesExhausted' or 'EventAgeExceeded' when the event was given up. */
  readonly condition?: string;
}

export async function invokeAsync(
  invoke: (event: unknown) => Promise<InvocationResult>,
  event: unknown,
  settings: AsyncInvokeSettings,
): Promise<AsyncOutcome> {
  const queuedAt = Date.now();
  let attempts = 0;
  let last: InvocationResult;
  let condition: string | undefined;
  for (;;) {
    last = await invoke(event);
    attempts++;
    if (last.ok) break;
    // The local cloud is stopping: nothing to retry, no destination to tell.
    if (last.error?.errorType === STOPPED) return { ok: false, attempts, last, condition: 'Stopped' };
    if (attempts > settings.maximumRetryAttempts) {
      condition = 'RetriesExhausted';
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, settings.retryDelayMs?.(attempts) ?? 200 * attempts));
    if (Date.now() - queuedAt > settings.maximumEventAgeSeconds * 1000) {
      condition = 'EventAgeExceeded';
      break;
    }
  }
  const destination = last.ok ? settings.onSuccess : settings.onFailure;
  if (destination)
    await destination(destinationRecord(event, last, attempts, settings.functionArn, condition ?? 'Success'));
  return { ok: last.ok, attempts, last, condition };
}

/** The record AWS sends to an async-invocation destination (SQS message body). */
function destinationRecord(
  event: unknown,
  result: InvocationResult,
  attempts: number,
  functionArn: string,
  condition: string,
): Record<string, unknown> {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: result.requestId,
      functionArn: `${functionArn}:$LATEST`,
      condition,
      approximateInvokeCount: attempts,
    },
    requestPayload: event,
    responseContext: result.ok
      ? { statusCode: 200, executedVersion: '$LATEST' }
      : { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: result.ok ? result.payload : result.error,
  };
}
