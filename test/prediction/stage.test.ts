/**
 * The npm start prediction stage on a local cloud of the prediction construct: each extracted
 * week is fed as its own round (round = week on a fresh cloud) and fully scored, then
 * background weeks keep coming (here added by the test, in the demo by the generator) until
 * the signal aborts; without a model the stage says so instead of feeding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { bucketName, startTestCloud, type LocalCloud } from '#test/support/local-cloud.ts';
import { waitFor } from '#test/support/wait-for.ts';
import { createPredictionStage, type PredictionSummary } from '#infra/local/stages/prediction.ts';
import type { StageContext } from '#infra/local/pipeline.ts';
import { featuresTsv } from '#test/training/fixtures/weeks.ts';
import { buildPredictionApp } from './fixture-app.ts';
import { publishModel, trainTinyModel } from './fixtures.ts';

describe('npm start prediction stage', () => {
  let cloud: LocalCloud;
  let data: string;
  beforeAll(async () => {
    cloud = await startTestCloud({ buildApp: (o) => buildPredictionApp({ ...o, batchSize: 100 }) });
    data = bucketName(cloud, /DataBucket/);
    await putWeek(1, 120);
    await putWeek(2, 90);
  }, 120_000);
  const putWeek = async (week: number, count: number) => {
    const users = Array.from({ length: count }, (_, i) => ({ userId: i + 1, pc: i % 6 }));
    await cloud.clients.s3.send(
      new PutObjectCommand({
        Bucket: data,
        Key: `extracted/week=${week}/part=a/features.tsv`,
        Body: featuresTsv(String(week), users),
      }),
    );
  };
  afterAll(() => cloud?.stop());

  const contextFor = (once: boolean, signal: AbortSignal, logs: string[]): StageContext => ({
    cloud,
    options: { once, users: 120, weeks: 2, seed: 1 },
    results: {},
    signal,
    progress: () => undefined,
    log: (line) => logs.push(line),
  });

  it('says there is no model instead of feeding', async () => {
    await cloud.clients.s3.send(new DeleteObjectCommand({ Bucket: data, Key: 'models/current.json' }));
    const result = await createPredictionStage().run(contextFor(true, new AbortController().signal, []));
    expect((result.summary as PredictionSummary).skipped).toMatch(/no model published/);
  });

  it('scores every user of each week as its own round, then keeps adding weeks until aborted', async () => {
    await publishModel(cloud.clients.s3, data, 'v1', await trainTinyModel(1));
    const added: number[] = [];
    const stage = createPredictionStage({
      intervalMs: 50,
      addWeek: async (_context, week) => {
        added.push(week);
        await putWeek(week, 60);
        return { week, key: `extracted/week=${week}/`, activeUsers: 60, signedUp: 60, newUsers: 0 };
      },
    });
    const abort = new AbortController();
    const logs: string[] = [];
    const context = contextFor(false, abort.signal, logs);
    const result = await stage.run(context);
    const summary = result.summary as PredictionSummary;
    expect(result.ok).toBe(true);
    expect(summary.rounds).toEqual([
      { round: 1, week: 1, sent: 120, results: 120, retained: 60, seconds: expect.any(Number) },
      { round: 2, week: 2, sent: 90, results: 90, retained: 45, seconds: expect.any(Number) },
    ]);
    expect(result.lines.join('\n')).toMatch(/round 1 \(week 1\): 120\/120 users scored, 60 predicted retained/);
    if (!stage.background) throw new Error('expected the prediction stage to have background work, found none');
    const background = stage.background(context);
    await waitFor(() => logs.some((l) => l.startsWith('round 4 (week 4):')), {
      what: 'background week 4 to be logged',
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    abort.abort();
    await background;
    expect(added.slice(0, 2)).toEqual([3, 4]);
    expect(logs.find((l) => l.startsWith('round 3 (week 3):'))).toMatch(/60\/60 users scored/);
    expect(logs.some((l) => /trends\.json.*1: 60\/120 ~\d+\s+2: 45\/90 ~\d+\s+3: 30\/60 ~\d+/.test(l))).toBe(true);
  }, 90_000);
});
