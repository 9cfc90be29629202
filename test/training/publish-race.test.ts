/**
 * Two Publish steps at once (week pairs 0 → 1 and 1 → 2, both evaluated when no model was
 * published), against emulated S3 whose conditional writes are honoured. Every interleaving
 * of their three steps (read the pointer, move it, copy the site) is driven in turn, each
 * step held until the script says it is its turn (no sleeping): the later week is always
 * current at the end, the site shows it, and exactly one promotion was judged against no
 * model. Then: a pointer that keeps moving makes Publish give up after a bounded number of
 * judgements, and a failed Publish leaves the pointer and the site on the current model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { s3Store } from '#aws/s3-store.ts';
import { TrainingStore } from '#aws/training/store.ts';
import type { ObjectStore } from '#core/storage/port.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import type { GateSettings } from '#core/training/gate.ts';
import { CURRENT_MODEL_KEY } from '#core/training/keys.ts';
import { createEvaluateHandler, type EvaluateOutput } from '#handlers/training/evaluate.ts';
import { createPrepareHandler } from '#handlers/training/prepare.ts';
import { createPublishHandler, MAX_JUDGEMENTS, type PublishOutput } from '#handlers/training/publish.ts';
import { createTrainHandler } from '#handlers/training/train.ts';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { defined } from '#test/support/defined.ts';
import { activeUsersTxt, featuresTsv, learnableWeek, manifestJson } from './fixtures/weeks.ts';
import { PacedStore, Script, interleavings, type Run } from './fixtures/paced-store.ts';

const data = 'race-data';
const site = 'race-site';
// A margin of 1 lets any model replace any other: which week ends current depends on the order alone.
const gate: GateSettings = { floor: 0.55, margin: 1 };
const logger = new Logger({ logLevel: 'SILENT' });

describe('two Publish steps of different weeks at once', () => {
  let local: TestEmulators;
  let runs: Record<Run, EvaluateOutput>;
  const text = async (bucket: string, key: string) =>
    defined(
      (await local.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body,
      `the body of ${key}`,
    ).transformToString();
  const versionIn = async (bucket: string, key: string) => {
    const document = JSON.parse(await text(bucket, key)) as { version?: string; modelVersion?: string };
    return document.version ?? document.modelVersion;
  };
  const publisher = (dataStore: ObjectStore, siteStore: ObjectStore = s3Store(local.s3, site)) =>
    createPublishHandler({
      data: dataStore,
      site: siteStore,
      engine: forestEngine,
      gate,
      logger,
      now: () => new Date(),
    });
  const reset = async () => {
    for (const [bucket, key] of [
      [data, CURRENT_MODEL_KEY],
      [site, 'data/trees.json'],
      [site, 'data/card.json'],
    ] as const)
      await local.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  };

  beforeAll(async () => {
    local = await startTestEmulators();
    for (const bucket of [data, site]) await local.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = (key: string, body: string) =>
      local.s3.send(new PutObjectCommand({ Bucket: data, Key: key, Body: body }));
    const week = learnableWeek(400);
    for (const w of ['0', '1', '2']) {
      await put(`extracted/week=${w}/part=a/features.tsv`, featuresTsv(w, week.users));
      await put(`extracted/week=${w}/part=a/active_users.txt`, activeUsersTxt(week.retained));
      await put(`extracted/week=${w}/part=a/manifest.json`, manifestJson(w, week.users.length));
    }
    const common = { store: new TrainingStore(local.s3), dataBucket: data, engine: forestEngine, logger };
    const prepare = createPrepareHandler({ ...common, now: () => new Date() });
    const train = createTrainHandler({ ...common, threads: 1, workerUrl: undefined });
    const evaluate = createEvaluateHandler({ ...common, gate });
    const evaluated = async (trainWeek: string, labelWeek: string) => {
      const prepared = await prepare({ trainWeek, labelWeek, params: { numTrees: 3, maxDepth: 3 } });
      const candidates = [];
      for (const c of prepared.combinations) candidates.push(await train(c));
      return evaluate({ ...prepared, candidates });
    };
    // Both evaluated before either publishes, as two runs started together are.
    runs = { A: await evaluated('0', '1'), B: await evaluated('1', '2') };
  });
  afterAll(() => local?.stop());

  // Every order of A's and B's steps that keeps each run's own in order: 20 of them.
  it.each(interleavings(['check', 'move', 'copy']).map((order) => [order.join(', '), order] as const))(
    'ends with the later week current and on the site: %s',
    async (_, order) => {
      await reset();
      const script = new Script(order);
      const publishAs = async (run: Run) => {
        const paced = new PacedStore(s3Store(local.s3, data), run, script, 'data');
        const pacedSite = new PacedStore(s3Store(local.s3, site), run, script, 'site');
        try {
          return await publisher(paced, pacedSite)(runs[run]);
        } finally {
          script.drop(run);
        }
      };
      const [a, b] = await Promise.all([publishAs('A'), publishAs('B')]);
      const story = `A ${a.decision} (${a.reason}); B ${b.decision} (${b.reason})`;
      expect(b.decision, story).toBe('promote');
      expect(['promote', 'superseded'], story).toContain(a.decision);
      expect(await versionIn(data, CURRENT_MODEL_KEY), story).toBe(b.version);
      expect(await versionIn(site, 'data/card.json'), story).toBe(b.version);
      expect(await versionIn(site, 'data/trees.json'), story).toBe(b.version);
      const promotions = [a, b].filter((o) => o.decision === 'promote');
      expect(
        promotions.filter((o) => o.reason.endsWith('no current model')),
        story,
      ).toHaveLength(1);
      for (const later of promotions.filter((o) => !o.reason.endsWith('no current model')))
        expect(later.reason, story).toContain(`(model ${a.version} was published while this run was evaluated`);
    },
  );

  it(`gives up after ${MAX_JUDGEMENTS} judgements when the pointer moves under every one, publishing nothing`, async () => {
    await reset();
    const first = await publisher(s3Store(local.s3, data))(runs.A);
    let moves = 0;
    // Another writer moves the pointer (to the same version, a new publishedAt) just before each of B's moves.
    const contested = new PacedStore(s3Store(local.s3, data), 'B', new Script([]), 'data', async (key) => {
      if (key !== CURRENT_MODEL_KEY) return;
      moves++;
      const pointer = { formatVersion: 1, version: first.version, publishedAt: new Date(moves * 1000).toISOString() };
      await local.s3.send(new PutObjectCommand({ Bucket: data, Key: key, Body: JSON.stringify(pointer) }));
    });
    await expect(publisher(contested)(runs.B)).rejects.toMatchObject({
      name: 'PublishContentionError',
      message: expect.stringContaining(`moved under Publish ${MAX_JUDGEMENTS} times in a row`),
    });
    expect(moves).toBe(MAX_JUDGEMENTS);
    expect(await versionIn(data, CURRENT_MODEL_KEY)).toBe(first.version);
    expect(await versionIn(site, 'data/card.json')).toBe(first.version);
  });

  it('leaves the pointer and the site on the current model when a Publish fails before the pointer', async () => {
    await reset();
    const first = await publisher(s3Store(local.s3, data))(runs.A);
    const modelKey = runs.B.best.modelKey;
    const model = await text(data, modelKey);
    await local.s3.send(new DeleteObjectCommand({ Bucket: data, Key: modelKey })); // B's winner lost
    let failed: PublishOutput | Error;
    try {
      failed = await publisher(s3Store(local.s3, data))(runs.B);
    } catch (error) {
      failed = error as Error;
    } finally {
      await local.s3.send(new PutObjectCommand({ Bucket: data, Key: modelKey, Body: model }));
    }
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toContain(modelKey);
    expect(await versionIn(data, CURRENT_MODEL_KEY)).toBe(first.version);
    expect(await versionIn(site, 'data/card.json')).toBe(first.version);
    expect(await versionIn(site, 'data/trees.json')).toBe(first.version);
  });
});
