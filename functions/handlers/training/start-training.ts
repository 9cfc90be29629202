/**
 * StartTraining: S3 ObjectCreated on `extracted/week=<W>/_COMPLETE.json`. When week W-1 is
 * complete too, starts training (W-1 → W); when week W+1 already is, starts (W → W+1) as
 * well, so weeks finishing out of order still train. Duplicate notifications start nothing
 * new: the execution name is derived from the inputs. The event is then passed on to the
 * outcomes Lambda (when the stack names one): the week before this one can now be judged,
 * and S3 sends one key pattern to one destination only.
 */
import type { S3Event } from 'aws-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { completeMarkerKey, weekOfCompleteMarker } from '#core/training/keys.ts';
import { nextWeek, previousWeek } from '#core/weeks.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';
import { requireEnv } from '#aws/clients.ts';
import { TrainingStore } from '#aws/training/store.ts';
import { startTrainingRun, type StartedRun } from '#aws/training/runs.ts';

export interface StartTrainingDeps {
  readonly store: TrainingStore;
  readonly sfn: SFNClient;
  readonly dataBucket: string;
  readonly stateMachineArn: string;
  readonly logger: Logger;
  /** Passes the completion event on to the outcomes Lambda (asynchronously); absent: no outcomes. */
  readonly forwardToOutcomes?: (event: S3Event) => Promise<void>;
}

export function createStartTrainingHandler(deps: StartTrainingDeps) {
  const { store, sfn, dataBucket: bucket, stateMachineArn, logger } = deps;
  /** The week pairs that the completion of `week` makes trainable. */
  const pairsCompletedBy = async (week: string): Promise<[string, string][]> => {
    const pairs: [string, string][] = [];
    const before = previousWeek(week);
    if (before !== undefined && (await store.exists(bucket, completeMarkerKey(before)))) pairs.push([before, week]);
    const after = nextWeek(week);
    if (await store.exists(bucket, completeMarkerKey(after))) pairs.push([week, after]);
    return pairs;
  };
  return async (event: S3Event): Promise<{ runs: StartedRun[] }> => {
    const runs: StartedRun[] = [];
    for (const record of event.Records) {
      const week = weekOfCompleteMarker(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')));
      if (week === undefined) continue;
      for (const [trainWeek, labelWeek] of await pairsCompletedBy(week)) {
        const run = await startTrainingRun(sfn, store, bucket, stateMachineArn, { trainWeek, labelWeek });
        logger.info(run.started ? 'training started' : 'training already started for these inputs', { ...run });
        runs.push(run);
      }
    }
    // After training started: a failed hand-over retries the event, and starting again is a no-op.
    await deps.forwardToOutcomes?.(event);
    return { runs };
  };
}

function startTrainingDepsFromEnv(): StartTrainingDeps {
  const outcomesFunction = process.env.OUTCOMES_FUNCTION;
  return {
    ...(outcomesFunction ? { forwardToOutcomes: outcomesForwarder(new LambdaClient({}), outcomesFunction) } : {}),
    store: new TrainingStore(),
    sfn: new SFNClient({}),
    dataBucket: requireEnv('DATA_BUCKET'),
    stateMachineArn: requireEnv('STATE_MACHINE_ARN'),
    logger: new Logger(),
  };
}

function outcomesForwarder(lambda: LambdaClient, functionName: string) {
  return async (event: S3Event): Promise<void> => {
    await lambda.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: JSON.stringify(event) }),
    );
  };
}

export const handler = lazyHandler(() => createStartTrainingHandler(startTrainingDepsFromEnv()));
