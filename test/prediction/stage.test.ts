/**
 * The npm start prediction stage on a local cloud of the prediction construct: the first
 * round is fed and fully scored, then background rounds keep coming until the signal aborts;
 * without a model the stage says so instead of feeding.
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
    const users = Array.from({ length: 120 }, (_, i) => ({ userId: i + 1, pc: i % 6 }));
    await cloud.clients.s3.send(
      new PutObjectCommand({
        Bucket: data,
        Key: 'extracted/week=1/part=a/features.tsv',
        Body: featuresTsv('1', users),
      }),
    );
  }, 120_000);
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

  it('scores every user of round 0, then keeps feeding rounds until aborted', async () => {
    await publishModel(cloud.clients.s3, data, 'v1', await trainTinyModel(1));
    const stage = createPredictionStage(50);
    const abort = new AbortController();
    const logs: string[] = [];
    const context = contextFor(false, abort.signal, logs);
    const result = await stage.run(context);
    const summary = result.summary as PredictionSummary;
    expect(result.ok).toBe(true);
    expect(summary.rounds).toEqual([{ round: 0, sent: 120, results: 120, retained: 60, seconds: expect.any(Number) }]);
    expect(result.lines.join('\n')).toMatch(/round 0: 120\/120 users scored, 60 predicted retained/);
    if (!stage.background) throw new Error('expected the prediction stage to have background work, found none');
    const background = stage.background(context);
    await waitFor(() => logs.some((l) => l.startsWith('round 2:')), {
      what: 'background round 2 to be logged',
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    abort.abort();
    await background;
    expect(logs.find((l) => l.startsWith('round 1:'))).toMatch(/120\/120 users scored/);
    expect(logs.some((l) => /trends\.json.*0: 60\/120 ~\d+\s+1: 60\/120 ~\d+/.test(l))).toBe(true);
  }, 90_000);
});
