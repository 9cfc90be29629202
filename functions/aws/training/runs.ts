/**
 * Starting a training execution: the execution name is the run id (a hash of the weeks,
 * the params and the extracted manifests), so a second start for the same inputs is
 * refused by Step Functions (ExecutionAlreadyExists), which this treats as success.
 */
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { trainingRunId } from '#core/training/run-id.ts';
import type { WeekId } from '#core/weeks.ts';
import type { TrainingStore } from './store.ts';
import { weekSources } from './sources.ts';

export interface TrainingRequest {
  readonly trainWeek: WeekId;
  readonly labelWeek: WeekId;
  readonly params?: unknown;
}

export interface StartedRun {
  readonly runId: string;
  readonly executionArn: string;
  /** False when an execution of that name already existed (a duplicate trigger). */
  readonly started: boolean;
  readonly input: TrainingRequest;
}

/** The run id Prepare will derive for this request from the bucket as it is now. */
async function runIdFor(store: TrainingStore, bucket: string, request: TrainingRequest): Promise<string> {
  const [train, label] = await Promise.all([
    weekSources(store, bucket, request.trainWeek),
    weekSources(store, bucket, request.labelWeek),
  ]);
  return trainingRunId({ ...request, sources: [...train.fingerprints, ...label.fingerprints] });
}

export async function startTrainingRun(
  sfn: SFNClient,
  store: TrainingStore,
  bucket: string,
  stateMachineArn: string,
  request: TrainingRequest,
): Promise<StartedRun> {
  const runId = await runIdFor(store, bucket, request);
  const input: TrainingRequest = {
    trainWeek: request.trainWeek,
    labelWeek: request.labelWeek,
    ...(request.params === undefined ? {} : { params: request.params }),
  };
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`;
  try {
    const response = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: runId, input: JSON.stringify(input) }),
    );
    return { runId, executionArn: response.executionArn ?? executionArn, started: true, input };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') {
      return { runId, executionArn, started: false, input };
    }
    throw error;
  }
}
