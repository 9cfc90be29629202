/**
 * The training handlers in-process against emulated S3 (real SDK), their dependencies
 * injected: Prepare's labels, merge and split on hand-made weeks, its option checks before
 * any write, and Publish's order (the version, then the pointer, then the site copied from
 * it; versions are immutable) and its supersede and re-judge rules. Two Publish steps at
 * once: publish-race.test.ts.
 */
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { listKeys } from '#test/support/local-cloud.ts';
import { decodeDataset } from '#core/training/dataset-file.ts';
import { isTestUser } from '#core/training/labels.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import { DEFAULT_GATE, type GateSettings } from '#core/training/gate.ts';
import { featureIndex } from '#core/schema.ts';
import { TrainingStore } from '#aws/training/store.ts';
import { s3Store } from '#aws/s3-store.ts';
import { createPrepareHandler } from '#handlers/training/prepare.ts';
import { createTrainHandler } from '#handlers/training/train.ts';
import { createEvaluateHandler, type EvaluateOutput } from '#handlers/training/evaluate.ts';
import { createPublishHandler } from '#handlers/training/publish.ts';
import { createRecordRejectionHandler } from '#handlers/training/record-rejection.ts';
import { activeUsersTxt, featuresTsv, manifestJson, type HandMadeUser } from './fixtures/weeks.ts';
import { defined } from '#test/support/defined.ts';

describe('training handlers on emulated S3', () => {
  let local: TestEmulators;
  let h: ReturnType<typeof handlers>;
  let secondRun: Promise<EvaluateOutput> | undefined;
  let firstVersion: string | undefined;
  const data = 'data-bucket';
  const site = 'site-bucket';
  const put = (key: string, body: string) =>
    local.s3.send(new PutObjectCommand({ Bucket: data, Key: key, Body: body }));
  const get = async (bucket: string, key: string) =>
    defined(
      (await local.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body,
      `the body of ${key}`,
    ).transformToByteArray();
  const getText = async (bucket: string, key: string) => new TextDecoder().decode(await get(bucket, key));

  /** The handlers as their Lambdas build them, on the emulated S3; `settings` as the stack would set them. */
  function handlers(settings: { siteBucket?: string; gate?: GateSettings } = {}) {
    const common = {
      store: new TrainingStore(local.s3),
      dataBucket: data,
      engine: forestEngine,
      logger: new Logger({ logLevel: 'SILENT' }),
    };
    const gate = settings.gate ?? DEFAULT_GATE;
    const now = () => new Date();
    return {
      prepare: createPrepareHandler({ ...common, now }),
      train: createTrainHandler({ ...common, threads: availableParallelism(), workerUrl: undefined }),
      evaluate: createEvaluateHandler({ ...common, gate }),
      publish: createPublishHandler({
        data: s3Store(local.s3, data),
        site: s3Store(local.s3, settings.siteBucket ?? site),
        engine: forestEngine,
        logger: common.logger,
        gate,
        now,
      }),
      recordRejection: createRecordRejectionHandler({ ...common, now }),
    };
  }

  /** Prepare, Train each combination, Evaluate: what the state machine runs before the Gate. */
  async function evaluated(params: Record<string, unknown>, using = h): Promise<EvaluateOutput> {
    const prepared = await using.prepare({ trainWeek: '0', labelWeek: '1', params });
    const candidates = [];
    for (const c of prepared.combinations) candidates.push(await using.train(c));
    return using.evaluate({ ...prepared, candidates });
  }

  // Week 0: users 1..600; user 5 appears in both parts (pc 2 + pc 3). Week 1: even users
  // are active, plus user 9000 who was not in week 0 (not an example).
  const users: HandMadeUser[] = Array.from({ length: 600 }, (_, i) => ({
    userId: i + 1,
    pc: (i + 1) % 2 === 0 ? 4 : 1,
  }));
  const partA = users.slice(0, 300).map((u) => (u.userId === 5 ? { ...u, pc: 2 } : u));
  const partB = [...users.slice(300), { userId: 5, pc: 3 }];
  const active1 = [...users.filter((u) => u.userId % 2 === 0).map((u) => u.userId), 9000];

  beforeAll(async () => {
    local = await startTestEmulators();
    await local.s3.send(new CreateBucketCommand({ Bucket: data }));
    await local.s3.send(new CreateBucketCommand({ Bucket: site }));
    await put('extracted/week=0/part=a/features.tsv', featuresTsv('0', partA));
    await put('extracted/week=0/part=b/features.tsv', featuresTsv('0', partB));
    await put('extracted/week=0/part=a/active_users.txt', activeUsersTxt(partA.map((u) => u.userId)));
    await put('extracted/week=0/part=b/active_users.txt', activeUsersTxt(partB.map((u) => u.userId)));
    await put('extracted/week=0/part=a/manifest.json', manifestJson('0', 300));
    await put('extracted/week=0/part=b/manifest.json', manifestJson('0', 301));
    await put('extracted/week=1/part=a/features.tsv', featuresTsv('1', []));
    await put('extracted/week=1/part=a/active_users.txt', activeUsersTxt(active1));
    await put('extracted/week=1/part=a/manifest.json', manifestJson('1', active1.length));
    h = handlers();
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('Prepare merges the parts, labels by the label week and splits 70/30 by user hash and seed', async () => {
    const out = await h.prepare({ trainWeek: '0', labelWeek: '1', params: { splitSeed: 11, numTrees: 3 } });
    const train = decodeDataset(await get(data, `training/${out.runId}/train.bin`), 'train.bin');
    const test = decodeDataset(await get(data, `training/${out.runId}/test.bin`), 'test.bin');
    const rows = new Map<number, { label: number | undefined; pc: number | undefined; side: string }>();
    for (const [side, set] of [
      ['train', train],
      ['test', test],
    ] as const) {
      for (let r = 0; r < set.rows; r++)
        rows.set(defined(set.userIds[r], 'a user'), {
          label: set.labels[r],
          pc: set.columns[featureIndex('pc')]?.[r],
          side,
        });
    }
    expect([...rows.keys()].sort((a, b) => a - b)).toEqual(users.map((u) => u.userId)); // 9000 is not an example
    for (const [userId, row] of rows) {
      expect(row.label).toBe(userId % 2 === 0 ? 1 : 0);
      expect(row.side).toBe(isTestUser(userId, 11) ? 'test' : 'train');
    }
    expect(defined(rows.get(5), 'user 5').pc).toBe(5); // counts summed over the two parts
    expect(test.rows / 600).toBeGreaterThan(0.24);
    expect(test.rows / 600).toBeLessThan(0.36);
    expect(out.stats.train.rows + out.stats.test.rows).toBe(600);
    expect(out.combinations.map((c) => c.id)).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(out.combinations.every((c) => c.runId === out.runId && c.params.numTrees === 3)).toBe(true);
  });

  it('Prepare gives another split for another seed, and the same run id for the same inputs', async () => {
    const a = await h.prepare({ trainWeek: '0', labelWeek: '1', params: { splitSeed: 11, numTrees: 3 } });
    const b = await h.prepare({ trainWeek: '0', labelWeek: '1', params: { splitSeed: 12, numTrees: 3 } });
    const again = await h.prepare({ trainWeek: '0', labelWeek: '1', params: { numTrees: 3, splitSeed: 11 } });
    expect(again.runId).toBe(a.runId);
    expect(b.runId).not.toBe(a.runId);
    const testA = decodeDataset(await get(data, `training/${a.runId}/test.bin`), 'a');
    const testB = decodeDataset(await get(data, `training/${b.runId}/test.bin`), 'b');
    expect(Array.from(testA.userIds)).not.toEqual(Array.from(testB.userIds));
  });

  it('Prepare refuses a bad option in any combination before it writes anything', async () => {
    const before = await listKeys(local.s3, data, 'training/');
    await expect(h.prepare({ trainWeek: '0', labelWeek: '1', params: { maxDepth: [4, 31] } })).rejects.toMatchObject({
      name: 'InvalidTrainingParams',
      message: 'maxDepth must be a whole number from 0 to 30, got 31',
    });
    const mlEntropy = { engine: 'ml-random-forest', impurity: ['gini', 'entropy'] };
    await expect(h.prepare({ trainWeek: '0', labelWeek: '1', params: mlEntropy })).rejects.toThrow(
      'the ml-random-forest engine supports impurity "gini" only',
    );
    await expect(h.prepare({ trainWeek: '0', labelWeek: '1', params: { numTrees: [] } })).rejects.toMatchObject({
      name: 'TrainingInputError',
      message: 'params.numTrees lists no value',
    });
    expect(await listKeys(local.s3, data, 'training/')).toEqual(before);
  });

  it('Publish writes the version, moves the pointer, then copies the site from it; a failed site copy is finished by a retry', async () => {
    const first = await evaluated({ numTrees: 3, maxDepth: 3, featureSubsetStrategy: 'all' });
    const published = await h.publish(first);
    firstVersion = published.version;
    expect(JSON.parse(await getText(data, 'models/current.json')).version).toBe(published.version);
    expect(published.written).toEqual([
      ...['model', 'card', 'trees'].map((name) => `data:models/${published.version}/${name}.json`),
      'data:models/current.json',
      'site:data/trees.json',
      'site:data/card.json',
    ]);
    expect(JSON.parse(await getText(site, 'data/card.json')).modelVersion).toBe(published.version);

    // A second run whose site copy fails (its bucket does not exist): the pointer has moved
    // (the new model is current), the site still shows the first until Publish is retried.
    const second = await evaluated({ numTrees: 4, maxDepth: 3, featureSubsetStrategy: 'all' });
    await expect(handlers({ siteBucket: 'no-such-site-bucket' }).publish(second)).rejects.toThrow(/bucket/i);
    const secondVersion = JSON.parse(await getText(data, 'models/current.json')).version;
    expect(secondVersion).not.toBe(published.version);
    expect(JSON.parse(await getText(site, 'data/card.json')).modelVersion).toBe(published.version);

    // The retry finds its version current and copies it to the site.
    const retried = await h.publish(second);
    expect(retried).toMatchObject({ decision: 'promote', version: secondVersion });
    expect(retried.reason).toContain('is current already');
    const card = JSON.parse(await getText(site, 'data/card.json'));
    expect(card.modelVersion).toBe(retried.version);
    expect(card.gate.currentAuc).toBeCloseTo(first.best.auc, 10); // the same split seed: the same test set
    secondRun = Promise.resolve(second);
  });

  it('RecordRejection writes why the gate said no, and leaves the pointer alone', async () => {
    const pointer = await getText(data, 'models/current.json');
    // One leaf: AUC 0.5, below the floor.
    const judged = await evaluated({ numTrees: 1, maxDepth: 0, featureSubsetStrategy: 'all' });
    expect(judged.gate.decision).toBe('reject');
    const out = await h.recordRejection(judged);
    expect(out).toMatchObject({
      runId: judged.runId,
      decision: 'reject',
      reason: judged.gate.reason,
      auc: judged.best.auc,
    });
    const record = JSON.parse(await getText(data, `training/${judged.runId}/rejected.json`));
    expect(record).toMatchObject({ formatVersion: 1, trainWeek: '0', reason: judged.gate.reason, best: judged.best });
    expect(await getText(data, 'models/current.json')).toBe(pointer);
  });

  it('Publish refuses to replace a published version with other content', async () => {
    const evaluation = await defined(secondRun, 'the second run (an earlier test starts it)');
    const { version } = JSON.parse(await getText(data, 'models/current.json'));
    const key = `models/${version}/card.json`;
    await put(key, (await getText(data, key)).replace('"formatVersion": 1', '"formatVersion": 1, "edited": true'));
    // The first version current again, so that the second is published anew.
    const first = defined(firstVersion, 'the first version (an earlier test publishes it)');
    await put('models/current.json', JSON.stringify({ formatVersion: 1, version: first, publishedAt: 'x' }));
    await expect(h.publish(evaluation)).rejects.toThrow(
      /already exists with other content; published versions are immutable/,
    );
  });
  it('Evaluate judges by the floor alone, and says so, when the current model is one this engine cannot read', async () => {
    await put('models/old-engine/model.json', '{"formatVersion": 9, "trees": "elsewhere"}');
    await put(
      'models/current.json',
      JSON.stringify({ formatVersion: 1, version: 'old-engine', publishedAt: '2026-01-01T00:00:00Z' }),
    );
    const evaluation = await evaluated({ numTrees: 2, maxDepth: 2, featureSubsetStrategy: 'all' });
    expect(evaluation.gate.decision).toBe('promote');
    expect(evaluation.gate.currentAuc).toBeUndefined();
    expect(evaluation.gate.reason).toMatch(/\(current model old-engine not comparable: .*formatVersion.*\)$/);
    expect(evaluation.current).toBeUndefined();
  });
  it("Prepare reads only the parts the week's _COMPLETE.json lists", async () => {
    await put('extracted/week=0/part=stale/features.tsv', featuresTsv('0', [{ userId: 99999, pc: 1 }]));
    await put('extracted/week=0/part=stale/active_users.txt', activeUsersTxt([99999]));
    const withoutMarker = await h.prepare({ trainWeek: '0', labelWeek: '1' });
    expect(withoutMarker.stats.train.rows + withoutMarker.stats.test.rows).toBe(601);
    await put(
      'extracted/week=0/_COMPLETE.json',
      JSON.stringify({ formatVersion: 1, week: '0', layout: 'parts', parts: ['a', 'b'], manifests: [] }),
    );
    const out = await h.prepare({ trainWeek: '0', labelWeek: '1' });
    expect(out.stats.train.rows + out.stats.test.rows).toBe(600);
    expect(out.runId).not.toBe(withoutMarker.runId);
  });
  it('Prepare refuses a complete week one of whose parts was re-uploaded with a file that failed extraction', async () => {
    await put('extracted/week=4/part=a/features.tsv', featuresTsv('4', partA));
    await put('extracted/week=4/part=a/active_users.txt', activeUsersTxt(partA.map((u) => u.userId)));
    const verdict = { status: 'failed', message: 'user_events_week4.log: 200 of 200 lines rejected' };
    await put(
      'extracted/week=4/part=a/manifest.json',
      JSON.stringify({ ...JSON.parse(manifestJson('4', 300)), verdict }),
    );
    await put('extracted/week=4/_COMPLETE.json', JSON.stringify({ formatVersion: 1, week: '4', parts: ['a'] }));
    await put('extracted/week=5/part=a/features.tsv', featuresTsv('5', []));
    await put('extracted/week=5/part=a/active_users.txt', activeUsersTxt(active1));
    await put('extracted/week=5/part=a/manifest.json', manifestJson('5', active1.length));
    const refused = h.prepare({ trainWeek: '4', labelWeek: '5' });
    await expect(refused).rejects.toThrow(/failed extraction/);
    await expect(refused).rejects.toThrow('extracted/week=4/part=a/manifest.json: user_events_week4.log: 200 of 200');
  });

  it('Publish leaves the pointer on a model trained on a later week (runs finishing out of order)', async () => {
    const evaluation = await defined(secondRun, 'the second run (an earlier test starts it)'); // weeks 0 → 1
    await put(
      'models/later/card.json',
      JSON.stringify({ formatVersion: 1, modelVersion: 'later', trainWeek: '5', labelWeek: '6' }),
    );
    const pointer = JSON.stringify({ formatVersion: 1, version: 'later', publishedAt: '2026-01-01T00:00:00Z' });
    await put('models/current.json', pointer);
    const out = await h.publish(evaluation);
    expect(out).toMatchObject({ decision: 'superseded', written: [] });
    expect(out.reason).toBe('the current model later was trained on week 5, later than week 0; it stays');
    expect(await getText(data, 'models/current.json')).toBe(pointer);
  });
  it('Publish judges again when another run published after this one was evaluated, and keeps the better model', async () => {
    await put(
      'models/current.json',
      JSON.stringify({ formatVersion: 1, version: 'old-engine', publishedAt: '2026-01-01T00:00:00Z' }),
    );
    // A one-leaf forest (AUC 0.5) passes the floor only because it is lowered for this test.
    const lowFloor = handlers({ gate: { floor: 0.4, margin: DEFAULT_GATE.margin } });
    // Both evaluated against the same (unreadable) current model, as two concurrent runs are.
    const strong = await evaluated({ numTrees: 10, maxDepth: 4, featureSubsetStrategy: 'all' }, lowFloor);
    const weak = await evaluated({ numTrees: 1, maxDepth: 0, featureSubsetStrategy: 'all' }, lowFloor);
    expect(weak.gate.decision).toBe('promote');
    expect(weak.best.auc).toBeLessThan(strong.best.auc - 0.01);
    const published = await lowFloor.publish(strong);
    const late = await lowFloor.publish(weak);
    expect(late).toMatchObject({ decision: 'reject', written: [] });
    expect(late.reason).toMatch(/worse than the current model's .* by more than the margin/);
    expect(late.reason).toContain(`model ${published.version} was published while this run was evaluated`);
    expect(JSON.parse(await getText(data, 'models/current.json')).version).toBe(published.version);
  });
});
