/**
 * The "Step Functions Execution Status Change" event (functions/aws/step-functions-events.ts)
 * for a local execution that has ended, as AWS sends it: output only when it succeeded, error
 * and cause null unless it failed.
 */
import { randomUUID } from 'node:crypto';
import { EXECUTION_STATUS_CHANGE, type ExecutionStatusEvent } from '#aws/step-functions-events.ts';
import type { LocalExecution } from './stepfunctions.ts';

/** EventBridge's `time`: UTC to the second. */
const eventTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function executionStatusChange(
  execution: LocalExecution,
  where: { readonly region: string; readonly account: string },
): ExecutionStatusEvent {
  const ended = execution.stopDate;
  const succeeded = execution.status === 'SUCCEEDED';
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': EXECUTION_STATUS_CHANGE,
    source: 'aws.states',
    account: where.account,
    time: eventTime(ended ?? execution.startDate),
    region: where.region,
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate.getTime(),
      stopDate: ended ? ended.getTime() : null,
      input: execution.input,
      inputDetails: { included: true },
      output: succeeded ? (execution.output ?? null) : null,
      outputDetails: succeeded ? { included: true } : null,
      error: execution.error ?? null,
      cause: execution.cause ?? null,
    },
  };
}
