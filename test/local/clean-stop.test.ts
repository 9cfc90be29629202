/**
 * A clean stop: the local cloud running the product stack is stopped the moment a hook says
 * the work is under way (the extract function starting on a large week; the predict
 * function starting on a burst of stream records). The stop settles, nothing runs or
 * reports after it, the cut-short invocation is not sent to a failure queue as if it had
 * failed, and no error goes unheard (before, an S3 read left open failed after the stop).
 */
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { putEntries } from '#aws/prediction/kinesis-producer.ts';
import { DEFAULT_BASE_WEEK, weekSpan } from '#core/weeks.ts';
import { PREDICTION_OUTPUTS } from '#infra/constructs/prediction.ts';
import { dataBucket } from '#infra/local/stages/resources.ts';
import { output, startTestCloud, type LocalCloud } from '#test/support/local-cloud.ts';

const STARTUP_MS = 300_000; // synthesis and bundling of the whole stack, on a shared machine

/** Errors nobody listened for, while `work` runs and for a moment after. */
async function unheardDuring(work: () => Promise<void>): Promise<string[]> {
  const unheard: string[] = [];
  const hear = (error: unknown) => unheard.push(String(error));
  process.on('uncaughtException', hear);
  process.on('unhandledRejection', hear);
  try {
    await work();
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    process.off('uncaughtException', hear);
    process.off('unhandledRejection', hear);
  }
  return unheard;
}

/** Stops `cloud` when `fn` (a logical id prefix) starts; resolves once stopped, with what happened after. */
function stopWhenStarted(cloud: LocalCloud, fn: RegExp) {
  const after: string[] = [];
  let stopped = false;
  return new Promise<{ after: string[] }>((resolve, reject) => {
    cloud.subscribe((activity) => {
      if (stopped) after.push(`${activity.kind} ${'function' in activity ? activity.function : ''}`);
      if (activity.kind === 'invoke-start' && fn.test(activity.function) && !stopped) {
        cloud.stop().then(() => {
          stopped = true;
          resolve({ after });
        }, reject);
      }
    });
  });
}

describe('stopping the local cloud mid-work', () => {
  let cloud: LocalCloud | undefined;
  afterEach(() => cloud?.stop());

  it(
    'stops cleanly in the middle of a large extraction',
    async () => {
      cloud = await startTestCloud();
      const { start } = weekSpan(DEFAULT_BASE_WEEK);
      const lines = Array.from(
        { length: 400_000 },
        (_, i) => `${i}\t${i % 50_000}\t0\tPC\t${start + (i % 1000)}\tINSPECT\t1`,
      );
      const week = gzipSync(`${lines.join('\n')}\n`);
      const unheard = await unheardDuring(async () => {
        const stopped = stopWhenStarted(cloud as LocalCloud, /^ExtractionExtractFunction/);
        await cloud?.clients.s3.send(
          new PutObjectCommand({
            Bucket: dataBucket(cloud).name,
            Key: 'raw/events/user_events_week0.log.gz',
            Body: week,
          }),
        );
        const { after } = await stopped;
        expect(after).toEqual([]);
      });
      expect(unheard).toEqual([]);
      expect(cloud.asyncFailures).toEqual([]); // cut short by the stop: not a failure to redrive
    },
    STARTUP_MS + 60_000,
  );

  it(
    'stops cleanly in the middle of a prediction burst',
    async () => {
      cloud = await startTestCloud();
      const stream = output(cloud, PREDICTION_OUTPUTS.stream);
      const entries = Array.from({ length: 2000 }, (_, i) => ({
        PartitionKey: String(i),
        Data: new TextEncoder().encode(JSON.stringify({ userId: i, week: 1, round: 1 })),
      }));
      const unheard = await unheardDuring(async () => {
        const stopped = stopWhenStarted(cloud as LocalCloud, /^PredictionPredictFunction/);
        await putEntries((cloud as LocalCloud).clients.kinesis, stream, entries);
        const { after } = await stopped;
        expect(after).toEqual([]);
      });
      expect(unheard).toEqual([]);
    },
    STARTUP_MS + 60_000,
  );
});
