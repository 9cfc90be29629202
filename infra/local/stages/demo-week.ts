/**
 * One more demo week while `npm start` runs: the generator run again with one week more (same
 * seed and horizon: the tables and earlier weeks come out byte for byte as uploaded), and only
 * the new week's event log uploaded. Its upload starts what a real week starts: extraction,
 * then (the week complete) training and the outcomes of the week before. Resolves when all
 * of that has finished.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Upload } from '@aws-sdk/lib-storage';
import type { StageContext } from '#infra/local/pipeline.ts';
import { dataBucket } from './resources.ts';
import { DEMO_HORIZON_WEEKS, generateDemoFiles } from './demo-files.ts';

export interface AddedWeek {
  readonly week: number;
  readonly key: string;
  readonly activeUsers: number;
  readonly signedUp: number;
  readonly newUsers: number;
}

/** Generates, uploads and waits for demo week `week`; undefined past the horizon (no profiles for later sign-ups). */
export async function addDemoWeek(context: StageContext, week: number): Promise<AddedWeek | undefined> {
  if (week >= Math.max(context.options.weeks, DEMO_HORIZON_WEEKS)) return undefined;
  const { cloud } = context;
  const { files, seed } = await generateDemoFiles(
    { ...context.options, weeks: week + 1 },
    join(cloud.stateDir, 'demo-next'),
  );
  const summary = seed.weeks[week];
  const file = files.find((f) => f.name === summary?.eventsFile);
  if (!summary || !file?.key) throw new Error(`the demo generator wrote no event log for week ${week}`);
  await new Upload({
    client: cloud.clients.s3,
    params: { Bucket: dataBucket(cloud).name, Key: file.key, Body: createReadStream(file.path) },
  }).done();
  // Extraction → _COMPLETE.json → StartTraining (training, outcomes) → the state machine → publish.
  await cloud.idle();
  await cloud.stepFunctions.idle();
  await cloud.idle();
  return {
    week,
    key: file.key,
    activeUsers: summary.activeUsers,
    signedUp: summary.signedUp,
    newUsers: summary.newUsers,
  };
}
