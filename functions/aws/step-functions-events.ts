/**
 * The event Step Functions sends to EventBridge when an execution of a standard workflow
 * changes status (source `aws.states`). Dates are epoch milliseconds; input and output are the
 * execution's JSON texts (null when too large to include: inputDetails/outputDetails say so).
 */
import type { EventBridgeEvent } from 'aws-lambda';

/** The event's `detail-type`. */
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

interface ExecutionStatusDetail {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED. */
  readonly status: string;
  readonly startDate: number;
  readonly stopDate: number | null;
  readonly input: string | null;
  readonly inputDetails: { readonly included: boolean } | null;
  readonly output: string | null;
  readonly outputDetails: { readonly included: boolean } | null;
  readonly error: string | null;
  readonly cause: string | null;
}

export type ExecutionStatusEvent = EventBridgeEvent<typeof EXECUTION_STATUS_CHANGE, ExecutionStatusDetail>;

export function isExecutionStatusEvent(event: unknown): event is ExecutionStatusEvent {
  const e = event as Partial<ExecutionStatusEvent> | null;
  return e?.source === 'aws.states' && e['detail-type'] === EXECUTION_STATUS_CHANGE && typeof e.detail === 'object';
}
