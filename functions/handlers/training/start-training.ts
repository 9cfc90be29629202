/**
 * StartTraining: S3 ObjectCreated on `extracted/week=<W>/_COMPLETE.json`. When week W-1 is
 * complete too, starts training (W-1 → W); when week W+1 already is, starts (W → W+1) as
 * well, so weeks finishing out of order still train. Duplicate notifications start nothing
 * new: the execution name is derived from the inputs. (A run that succeeds is what lets the
 * outcomes function judge a week: an EventBridge rule on the state machine tells it.)
 */
import type { S3Event } from 'aws-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
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
    return { runs };
  };
}

function startTrainingDepsFromEnv(): StartTrainingDeps {
  return {
    store: new TrainingStore(),
    sfn: new SFNClient({}),
    dataBucket: requireEnv('DATA_BUCKET'),
    stateMachineArn: requireEnv('STATE_MACHINE_ARN'),
    logger: new Logger(),
  };
}

export const handler = lazyHandler(() => createStartTrainingHandler(startTrainingDepsFromEnv()));
