/**
 * A training execution's status-change event as the outcomes function reads it: the
 * execution's input is the training request (runs.ts), and a run that succeeded had its label
 * week completely extracted.
 */
import type { ExecutionStatusEvent } from '#aws/step-functions-events.ts';
import type { TrainingRequest } from './runs.ts';

/** The label week of a successful training execution, or why there is none to read. */
export function succeededLabelWeek(event: ExecutionStatusEvent): { week: string } | { skipped: string } {
  const { status, input, name } = event.detail;
  if (status !== 'SUCCEEDED') return { skipped: `execution ${name} is ${status}, not SUCCEEDED` };
  let request: Partial<TrainingRequest> | null;
  try {
    request = JSON.parse(input ?? 'null') as Partial<TrainingRequest> | null;
  } catch {
    return { skipped: `execution ${name}'s input is not JSON` };
  }
  const week = request?.labelWeek;
  return typeof week === 'string' ? { week } : { skipped: `execution ${name}'s input names no labelWeek` };
}
