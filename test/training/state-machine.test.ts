/**
 * The training state machine from the synthesized template, run by the local Step Functions
 * runner with every task invoking the Lambda bundle CDK built, against emulated S3:
 * success (published, pointer last), a gate rejection (current model stays), task
 * failures ending in TrainingFailed with a readable cause, the same result as
 * `retention train` on the same demo weeks, and two runs of different weeks at once.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listKeys, readText, type LocalCloud } from '#test/support/local-cloud.ts';
import { LocalStateMachine } from '#infra/local/stepfunctions.ts';
import { startTrainingCloud, type TrainingCloud } from './fixtures/cloud.ts';
import { parseCard, parseTrees } from '#dashboard/src/documents.ts';
import { activeUsersTxt, featuresTsv, learnableWeek, manifestJson } from './fixtures/weeks.ts';
import { defined } from '#test/support/defined.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The command line in another process, as a user runs it. */
async function retention(...args: string[]): Promise<string> {
  const node = join(projectRoot, 'node_modules/.bin/node'); // Node 24 runs the .ts entry directly
  const { stdout } = await promisify(execFile)(node, [join(projectRoot, 'bin/retention.ts'), ...args]);
  return stdout;
}

/** Keys all the way down (an array by its first element): what two documents of one format share. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (value === null || typeof value !== 'object') return typeof value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
  return Object.fromEntries(entries.map(([key, inner]) => [key, shape(inner)]));
}

describe('training state machine, run locally end to end', () => {
  let cloud: LocalCloud;
  let data: string;
  let site: string;
  let machine: LocalStateMachine;
  let put: TrainingCloud['put'];
  beforeAll(async () => {
    ({ cloud, data, site, machine, put } = await startTrainingCloud());
  });
  afterAll(() => cloud?.stop());

  it('prepares, trains every combination, evaluates, passes the gate and publishes with the pointer last', async () => {
    const outcome = await machine.run({ trainWeek: '0', labelWeek: '1', params: { numTrees: 5, maxDepth: 4 } });
    if (outcome.status !== 'SUCCEEDED') throw new Error(`${outcome.error}: ${outcome.cause}`);
    const output = outcome.output as { decision: string; version: string; auc: number; written: string[] };
    expect(output.decision).toBe('promote');
    expect(output.auc).toBeGreaterThan(0.9); // pc ≥ 3 decides retention exactly
    // The pointer moves after the version's documents; the site is copied from what it names.
    expect(output.written.slice(-3)).toEqual([
      'data:models/current.json',
      'site:data/trees.json',
      'site:data/card.json',
    ]);
    const trainEntered = outcome.events.filter((e) => e.type === 'StateEntered' && e.state === 'Train');
    expect(trainEntered).toHaveLength(2); // default grid with maxDepth fixed: sqrt and onethird

    const pointer = JSON.parse(await readText(cloud.clients.s3, data, 'models/current.json'));
    expect(pointer.version).toBe(output.version);
    expect(await listKeys(cloud.clients.s3, data, `models/${output.version}/`)).toEqual(
      ['card.json', 'model.json', 'trees.json'].map((f) => `models/${output.version}/${f}`),
    );
    const card = JSON.parse(await readText(cloud.clients.s3, site, 'data/card.json'));
    expect(card.modelVersion).toBe(output.version);
    expect(card.candidates).toHaveLength(2);
    expect(card.gate.decision).toBe('promote');
    expect(card.dataStats.trainWeekUsers).toBe(400);
    const trees = JSON.parse(await readText(cloud.clients.s3, site, 'data/trees.json'));
    expect(trees.trees).toHaveLength(5);
    // The dashboard's own readers accept what Publish wrote.
    expect(() => parseCard(card)).not.toThrow();
    expect(() => parseTrees(trees)).not.toThrow();
    // pc decides retention: the forest splits on it and ranks it the most important feature.
    expect(JSON.stringify(trees.trees)).toMatch(/"condition":"pc ≤ [\d.]+"/);
    const top = [...card.featureImportance].sort(
      (a: { importance: number }, b: { importance: number }) => b.importance - a.importance,
    )[0];
    expect(top.feature).toBe('pc');
  });

  it('ships the engine worker in the Train bundle, so the trees train on worker threads there', () => {
    const train = defined(
      cloud.template.functions.find((f) => f.logicalId.startsWith('TrainingTrainFunction')),
      'the Train function',
    );
    expect(readdirSync(train.assetDir).sort()).toEqual(['forest-worker.mjs', 'index.mjs']);
    expect(train.environment.FOREST_WORKER).toBe('forest-worker.mjs');
  });

  it('rejects a model below the floor, records why, and leaves the current model in place', async () => {
    const before = await readText(cloud.clients.s3, data, 'models/current.json');
    // Depth 0: every tree is one leaf, AUC 0.5 < floor 0.55.
    const outcome = await machine.run({ trainWeek: '0', labelWeek: '1', params: { numTrees: 3, maxDepth: 0 } });
    if (outcome.status !== 'SUCCEEDED') throw new Error(`${outcome.error}: ${outcome.cause}`);
    const output = outcome.output as { decision: string; reason: string; runId: string; currentVersion: string };
    expect(output.decision).toBe('reject');
    expect(output.reason).toMatch(/below the floor 0\.5500/);
    expect(outcome.events.some((e) => e.type === 'StateEntered' && e.state === 'Publish')).toBe(false);
    expect(await readText(cloud.clients.s3, data, 'models/current.json')).toBe(before);
    expect(output.currentVersion).toBe(JSON.parse(before).version);
    const record = JSON.parse(await readText(cloud.clients.s3, data, `training/${output.runId}/rejected.json`));
    expect(record.reason).toBe(output.reason);
  });

  it('ends in TrainingFailed with a cause naming the step and the problem when a task fails', async () => {
    const outcome = await machine.run({ trainWeek: '7', labelWeek: '8' });
    expect(outcome.status).toBe('FAILED');
    if (outcome.status !== 'FAILED') return;
    expect(outcome.error).toBe('TrainingInputError');
    expect(outcome.cause).toMatch(
      /^Prepare failed: week 7 has no extracted features\.tsv under extracted\/week=7\/part=\*\//,
    );
    expect(outcome.events.some((e) => e.type === 'StateEntered' && e.state === 'PrepareFailed')).toBe(true);
  });

  it('refuses a bad option in any combination at Prepare, before anything is written', async () => {
    const before = await listKeys(cloud.clients.s3, data, 'training/');
    const outcome = await machine.run({ trainWeek: '0', labelWeek: '1', params: { numTrees: [3, 0] } });
    expect(outcome.status).toBe('FAILED');
    if (outcome.status !== 'FAILED') return;
    expect(outcome.error).toBe('InvalidTrainingParams');
    expect(outcome.cause).toBe('Prepare failed: numTrees must be a whole number from 1 to 1000, got 0');
    expect(outcome.events.some((e) => e.type === 'StateEntered' && e.state === 'Train')).toBe(false);
    expect(await listKeys(cloud.clients.s3, data, 'training/')).toEqual(before);
  });

  it('trains a forest in shards across Map iterations, and Evaluate joins them into the unsharded model', async () => {
    const params = { numTrees: 5, maxDepth: 4, featureSubsetStrategy: 'sqrt', seed: 3 };
    /** Runs the machine; returns the run's outcome and its own training/<runId>/ keys. */
    const runWith = async (runParams: Record<string, unknown>) => {
      const before = new Set(await listKeys(cloud.clients.s3, data, 'training/'));
      const outcome = await machine.run({ trainWeek: '0', labelWeek: '1', params: runParams });
      if (outcome.status !== 'SUCCEEDED') throw new Error(`${outcome.error}: ${outcome.cause}`);
      const keys = (await listKeys(cloud.clients.s3, data, 'training/')).filter((k) => !before.has(k));
      return { outcome, keys };
    };
    const whole = await runWith(params);
    const sharded = await runWith({ ...params, treesPerShard: 2 });
    const trains = (o: typeof whole) =>
      o.outcome.events.filter((e) => e.type === 'StateEntered' && e.state === 'Train');
    expect(trains(whole)).toHaveLength(1);
    expect(trains(sharded)).toHaveLength(3); // trees [0, 2), [2, 4), [4, 5)
    const candidate = (keys: string[]) =>
      keys.filter((k) => k.includes('/candidates/c0/')).map((k) => k.split('/').pop());
    expect(candidate(sharded.keys).sort()).toEqual([
      'model.json',
      'trees-0-2.json',
      'trees-2-4.json',
      'trees-4-5.json',
    ]);
    const model = (keys: string[]) =>
      readText(
        cloud.clients.s3,
        data,
        defined(
          keys.find((k) => k.endsWith('/candidates/c0/model.json')),
          'model.json',
        ),
      );
    expect(await model(sharded.keys)).toBe(await model(whole.keys));
  });

  it('catches a failure inside the Map as a Train failure with its message', async () => {
    // The train set disappears between Prepare and Train: the real Train bundle fails reading it.
    const broken = new LocalStateMachine(defined(cloud.stateMachines[0], 'the state machine').definition, {
      retryIntervalMs: 0,
      invoke: async (fn, event) => {
        if (cloud.functionId(fn).startsWith('TrainingTrainFunction')) {
          const { runId } = event as { runId: string };
          await cloud.clients.s3.send(new DeleteObjectCommand({ Bucket: data, Key: `training/${runId}/train.bin` }));
        }
        return cloud.invoke(fn, event);
      },
    });
    const outcome = await broken.run({ trainWeek: '0', labelWeek: '1', params: { numTrees: 2, maxDepth: 2 } });
    expect(outcome.status).toBe('FAILED');
    if (outcome.status !== 'FAILED') return;
    expect(outcome.error).toBe('ObjectNotFoundError');
    expect(outcome.cause).toMatch(/^Train failed: .*training\/train-0-1-[0-9a-f]{16}\/train\.bin/);
    expect(outcome.events.some((e) => e.type === 'StateEntered' && e.state === 'Evaluate')).toBe(false);
  });

  it('retries a throttled Train task and goes on', async () => {
    // Lambda throttling is the one failure here no emulator produces: the first Train call
    // answers as a throttled invoke would, the rest go to the real bundle.
    let throttled = 0;
    const flaky = new LocalStateMachine(defined(cloud.stateMachines[0], 'the state machine').definition, {
      retryIntervalMs: 0,
      invoke: async (fn, event) => {
        if (cloud.functionId(fn).startsWith('TrainingTrainFunction') && throttled++ === 0) {
          return { ok: false, error: { errorType: 'Lambda.TooManyRequestsException', errorMessage: 'Rate Exceeded.' } };
        }
        return cloud.invoke(fn, event);
      },
    });
    const outcome = await flaky.run({
      trainWeek: '0',
      labelWeek: '1',
      params: { numTrees: 2, maxDepth: 2, maxBins: 8 },
    });
    if (outcome.status !== 'SUCCEEDED') throw new Error(`${outcome.error}: ${outcome.cause}`);
    expect(outcome.events.filter((e) => e.type === 'StateRetried' && e.state === 'Train')).toHaveLength(1);
  });

  it('gives the same candidates, winner and card as `retention train` on the same demo weeks and parameters', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'same-training-'));
    try {
      const raw = join(dir, 'raw');
      await retention('seed', '--out', raw, '--users', '600', '--weeks', '2', '--iso-weeks', '2026-W46');
      for (const week of ['2026-W46', '2026-W47']) {
        const events = join(raw, `user_events_${week}.log`);
        const tables = ['--crm', join(raw, 'crm_info.data'), '--profiles', join(raw, 'nosql_user_profile.data')];
        await retention('extract', '--events', events, ...tables, '--meta', raw, '--out', join(dir, week));
        for (const file of ['features.tsv', 'active_users.txt', 'manifest.json'])
          await put(data, `extracted/week=${week}/part=demo/${file}`, await readFile(join(dir, week, file), 'utf8'));
      }
      const weeks = ['--features', join(dir, '2026-W46'), '--next', join(dir, '2026-W47')];
      await retention('train', ...weeks, '--out', join(dir, 'out'), '--grid', '--num-trees', '5', '--max-depth', '4');
      const local = JSON.parse(await readFile(join(dir, 'out/card.json'), 'utf8'));

      const params = { numTrees: 5, maxDepth: 4 };
      const outcome = await machine.run({ trainWeek: '2026-W46', labelWeek: '2026-W47', params });
      if (outcome.status !== 'SUCCEEDED') throw new Error(`${outcome.error}: ${outcome.cause}`);
      const output = outcome.output as { runId: string; decision: string; version: string; auc: number };
      const evaluation = JSON.parse(await readText(cloud.clients.s3, data, `training/${output.runId}/evaluation.json`));
      expect(local.candidates).toHaveLength(2); // sqrt and onethird features
      expect(evaluation.candidates).toEqual(local.candidates);
      expect(output.auc).toBe(local.metrics.auc);
      expect(evaluation.metrics).toEqual(local.metrics);

      // One card builder: the published card has the command line's shape and the same figures.
      expect(output.decision).toBe('promote');
      const card = JSON.parse(await readText(cloud.clients.s3, data, `models/${output.version}/card.json`));
      // gate.currentAuc is there when a current model was compared (the command line has none).
      delete card.gate.currentAuc;
      expect(shape(card)).toEqual(shape(local));
      for (const field of [
        'params',
        'metrics',
        'featureImportance',
        'dataStats',
        'candidates',
        'trainWeek',
        'labelWeek',
      ])
        expect(card[field], field).toEqual(local[field]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('runs of two week pairs started together end with the later week current, one judged against no model', async () => {
    const { users, retained } = learnableWeek(400);
    await put(data, 'extracted/week=1/part=a/features.tsv', featuresTsv('1', users));
    await put(data, 'extracted/week=2/part=a/active_users.txt', activeUsersTxt(retained));
    await put(data, 'extracted/week=2/part=a/manifest.json', manifestJson('2', retained.length));
    await cloud.clients.s3.send(new DeleteObjectCommand({ Bucket: data, Key: 'models/current.json' }));
    const params = { numTrees: 3, maxDepth: 3 };
    const outcomes = await Promise.all([
      machine.run({ trainWeek: '0', labelWeek: '1', params }),
      machine.run({ trainWeek: '1', labelWeek: '2', params }),
    ]);
    const outputs = outcomes.map((outcome) => {
      if (outcome.status !== 'SUCCEEDED') throw new Error(`${outcome.error}: ${outcome.cause}`);
      return outcome.output as { decision: string; reason: string; version: string };
    });
    const [earlier, later] = outputs as [(typeof outputs)[0], (typeof outputs)[0]];
    const story = outputs.map((o) => `${o.decision}: ${o.reason}`).join('\n');
    expect(later.decision, story).toBe('promote');
    const pointer = JSON.parse(await readText(cloud.clients.s3, data, 'models/current.json'));
    expect(pointer.version, story).toBe(later.version);
    expect(JSON.parse(await readText(cloud.clients.s3, site, 'data/card.json')).modelVersion).toBe(later.version);
    const promotions = outputs.filter((o) => o.decision === 'promote');
    expect(
      promotions.filter((o) => o.reason.endsWith('no current model')),
      story,
    ).toHaveLength(1);
    // The other was judged against the model current then: judged again against it, or superseded by it.
    if (earlier.decision === 'promote') expect(later.reason, story).toMatch(/; current model \d\.\d{4}, margin/);
    else expect(earlier.reason, story).toContain(`the current model ${later.version} was trained on week 1`);
  }, 120_000);
});
