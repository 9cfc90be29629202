/**
 * StartTraining: S3 ObjectCreated on `extracted/week=<W>/_COMPLETE.json`. When week W-1 is
 * complete too, starts training (W-1 → W); when week W+1 already is, starts (W → W+1) as
 * well, so weeks finishing out of order still train. Duplicate notifications start nothing
 * new: the execution name is derived from the inputs.
 */
import type { S3Event } from 'aws-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { completeMarkerKey, weekOfCompleteMarker } from '../core/training/keys.ts';
import { nextWeek, previousWeek } from '../core/weeks.ts';
import { TrainingStore, requireEnv } from '../aws/training-store.ts';
import { startTrainingRun, type StartedRun } from '../aws/training-runs.ts';

const store = new TrainingStore();
const sfn = new SFNClient({});
const logger = new Logger();

export async function handler(event: S3Event): Promise<{ runs: StartedRun[] }> {
  const bucket = requireEnv('DATA_BUCKET');
  const stateMachineArn = requireEnv('STATE_MACHINE_ARN');
  const runs: StartedRun[] = [];
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const week = weekOfCompleteMarker(key);
    if (week === undefined) continue;
    const pairs: [string, string][] = [];
    const before = previousWeek(week);
    if (before !== undefined && (await store.exists(bucket, completeMarkerKey(before)))) pairs.push([before, week]);
    const after = nextWeek(week);
    if (await store.exists(bucket, completeMarkerKey(after))) pairs.push([week, after]);
    for (const [trainWeek, labelWeek] of pairs) {
      const run = await startTrainingRun(sfn, store, bucket, stateMachineArn, { trainWeek, labelWeek });
      logger.info(run.started ? 'training started' : 'training already started for these inputs', { ...run });
      runs.push(run);
    }
  }
  return { runs };
}
