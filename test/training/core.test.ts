/**
 * The training core on plain inputs: gate, winner choice, run ids, parameter grid and run plan,
 * prepared sets and dataset file, the model card, and the publish rules and order.
 */
import { describe, expect, it } from 'vitest';
import { decideGate, readGateSettings } from '#core/training/gate.ts';
import { pickBest } from '#core/training/selection.ts';
import { modelVersion, trainingRunId } from '#core/training/run-id.ts';
import { parameterCombinations, readRunParams } from '#core/training/params.ts';
import { decodeDataset, encodeDataset } from '#core/training/dataset-file.ts';
import { isTestUser, labelAndSplit } from '#core/training/labels.ts';
import { mergeFeatureTables, parseFeaturesTsv } from '#core/training/features-table.ts';
import { currentPointerBody, isSupersededBy, siteCopies, versionDocuments } from '#core/training/publish-plan.ts';
import { featureIndex } from '#core/schema.ts';
import { featuresTsv, learnableWeek } from './fixtures/weeks.ts';
import { defined } from '#test/support/defined.ts';
import { InvalidForestParams } from '#core/forest/index.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import { DEFAULT_GATE } from '#core/training/gate.ts';
import { TrainingInputError, planRun, prepareSets } from '#core/training/prepare.ts';
import { buildCard, publicationDocuments } from '#core/training/card.ts';
import { decidePublication, type CurrentAtPublish } from '#core/training/publish-decision.ts';

describe('gate', () => {
  const settings = { floor: 0.6, margin: 0.02 };
  it('promotes at the floor with no current model', () => {
    expect(decideGate(0.6, undefined, settings)).toMatchObject({ decision: 'promote', minAcceptedAuc: 0.6 });
  });
  it('rejects below the floor, saying so', () => {
    expect(decideGate(0.59, undefined, settings)).toMatchObject({
      decision: 'reject',
      reason: 'test AUC 0.5900 is below the floor 0.6000',
    });
  });
  it('accepts a small loss within the margin and rejects a bigger one', () => {
    expect(decideGate(0.79, 0.8, settings).decision).toBe('promote');
    const worse = decideGate(0.77, 0.8, settings);
    expect(worse).toMatchObject({ decision: 'reject', currentAuc: 0.8 });
    expect(worse.reason).toMatch(/worse than the current model's 0\.8000 by more than the margin 0\.0200/);
    expect(worse.minAcceptedAuc).toBeCloseTo(0.78, 12);
  });
  it('reads its settings and refuses nonsense', () => {
    expect(readGateSettings(undefined, '')).toEqual({ floor: 0.55, margin: 0.01 });
    expect(() => readGateSettings('1.5', undefined)).toThrow(/floor must be a number in \[0, 1\]/);
  });
});

describe('winner', () => {
  it('takes the best AUC; a tie goes to the smaller model', () => {
    const c = [
      { id: 'c0', auc: 0.8, nodes: 90 },
      { id: 'c1', auc: 0.85, nodes: 300 },
      { id: 'c2', auc: 0.85, nodes: 120 },
    ];
    expect(pickBest(c).id).toBe('c2');
    expect(() => pickBest([])).toThrow(/no candidate/);
  });
  it('counts AUCs within 1e-9 as a tie, goes to the earlier id on a full tie, and never picks NaN', () => {
    const near = [
      { id: 'c0', auc: 0.85 + 5e-10, nodes: 300 },
      { id: 'c1', auc: 0.85, nodes: 120 },
    ];
    expect(pickBest(near).id).toBe('c1');
    const same = { auc: 0.85, nodes: 120 };
    expect(
      pickBest([
        { id: 'c10', ...same },
        { id: 'c2', ...same },
      ]).id,
    ).toBe('c2');
    expect(
      pickBest([
        { id: 'c0', auc: NaN, nodes: 1 },
        { id: 'c1', auc: 0.6, nodes: 9 },
      ]).id,
    ).toBe('c1');
  });
});

describe('run ids and versions', () => {
  const base = { trainWeek: '2026-W46', labelWeek: '2026-W47', sources: ['m1@a', 'm2@b'] };
  it('are the same for the same inputs in any order, and differ when an input differs', () => {
    const id = trainingRunId({ ...base, params: { maxDepth: 4, numTrees: 3 } });
    expect(id).toMatch(/^train-2026W46-2026W47-[0-9a-f]{16}$/);
    expect(trainingRunId({ ...base, sources: ['m2@b', 'm1@a'], params: { numTrees: 3, maxDepth: 4 } })).toBe(id);
    expect(trainingRunId({ ...base, params: { maxDepth: 5, numTrees: 3 } })).not.toBe(id);
    expect(trainingRunId({ ...base, sources: ['m1@a', 'm2@changed'], params: { maxDepth: 4, numTrees: 3 } })).not.toBe(
      id,
    );
  });
  it('keep the whole hash when the weeks are long names (a folder, for the command line)', () => {
    const folder = '/tmp/a-rather/long/folder/of/extracted/features/week0'.repeat(2);
    const id = trainingRunId({ ...base, trainWeek: folder, params: { numTrees: 3 } });
    expect(id.length).toBeLessThanOrEqual(80);
    expect(id).toMatch(/^train-tmparather.*-[0-9a-f]{16}$/);
    expect(trainingRunId({ ...base, trainWeek: folder, params: { numTrees: 4 } })).not.toBe(id);
  });
  it('versions sort by time', () => {
    expect(modelVersion('train-0-1-0123456789abcdef', new Date('2026-11-29T02:03:04.567Z'))).toBe(
      '20261129T020304Z-89abcdef',
    );
  });
});

describe('parameter grid', () => {
  it('is the cartesian product with given options replacing defaults', () => {
    const run = readRunParams({ maxDepth: [4, 8], numTrees: 5, splitSeed: 3 });
    expect(run.splitSeed).toBe(3);
    const combos = parameterCombinations(run.grid);
    expect(combos).toHaveLength(4); // maxDepth 2 × featureSubsetStrategy 2
    expect(combos[0]).toEqual({
      id: 'c0',
      params: { featureSubsetStrategy: 'sqrt', maxBins: 32, maxDepth: 4, numTrees: 5, seed: 7 },
    });
  });
  it('refuses bad shapes and too many combinations', () => {
    expect(() => readRunParams([1])).toThrow(/params must be an object/);
    expect(() => readRunParams({ maxDepth: [] })).toThrow(/params.maxDepth lists no value/);
    expect(() =>
      parameterCombinations(readRunParams({ maxDepth: [1, 2, 3, 4, 5, 6], numTrees: [1, 2, 3] }).grid),
    ).toThrow(/36 combinations; at most 32/);
  });
});

describe('prepared data', () => {
  const table = parseFeaturesTsv(
    featuresTsv(
      '0',
      Array.from({ length: 50 }, (_, i) => ({ userId: 50 - i, pc: i, region: 'GB-LONDON' })),
    ),
    'f.tsv',
  );
  it('reads features.tsv into columns sorted by user, categories as indices', () => {
    expect(table.rows).toBe(50);
    expect(table.userIds[0]).toBe(1);
    expect(table.columns[featureIndex('pc')]?.[0]).toBe(49);
    expect(table.columns[featureIndex('region')]?.[0]).toBe(7);
  });
  it('names the file and line of a bad value', () => {
    const bad = featuresTsv('0', [{ userId: 1, pc: 1, region: 'MARS' }]);
    expect(() => parseFeaturesTsv(bad, 'part=a/features.tsv')).toThrow(
      'part=a/features.tsv line 2: unknown region "MARS"',
    );
    // The extraction's reader checks every value: counts are whole numbers ≥ 0.
    expect(() => parseFeaturesTsv(featuresTsv('0', [{ userId: 1, pc: 1.5 }]), 'f.tsv')).toThrow(
      'f.tsv line 2, pc: expected a whole number ≥ 0, got "1.5"',
    );
  });
  it("sums counts of a user found in two parts, keeping the first part's age", () => {
    const a = parseFeaturesTsv(featuresTsv('0', [{ userId: 7, pc: 2, age: 30 }]), 'a');
    const b = parseFeaturesTsv(
      featuresTsv('0', [
        { userId: 7, pc: 5, age: 40 },
        { userId: 3, pc: 1 },
      ]),
      'b',
    );
    const merged = mergeFeatureTables([a, b]);
    expect(Array.from(merged.userIds)).toEqual([3, 7]);
    expect(merged.columns[featureIndex('pc')]?.[1]).toBe(7);
    expect(merged.columns[featureIndex('age')]?.[1]).toBe(30);
  });
  it('round-trips through the compact dataset file', () => {
    const { train } = labelAndSplit(table, new Set([1, 2, 3]), 5);
    const back = decodeDataset(encodeDataset(train), 'train.bin');
    expect(Array.from(back.userIds)).toEqual(Array.from(train.userIds));
    expect(Array.from(back.labels)).toEqual(Array.from(train.labels));
    expect(back.columns.map((c) => Array.from(c))).toEqual(train.columns.map((c) => Array.from(c)));
    const bytes = encodeDataset(train);
    // A Node Buffer that views a larger, pooled buffer at an odd offset reads the same.
    const pooled = Buffer.concat([Buffer.from('xyz'), Buffer.from(bytes)]).subarray(3);
    const pc = (set: { columns: Float32Array[] }) => Array.from(defined(set.columns[featureIndex('pc')], 'pc'));
    expect(pc(decodeDataset(pooled, 'pooled.bin'))).toEqual(pc(train));
    expect(() => decodeDataset(bytes.subarray(0, bytes.length - 4), 'cut.bin')).toThrow(
      /cut.bin: \d+ bytes, expected \d+ for \d+ rows/,
    );
    expect(() => decodeDataset(new TextEncoder().encode('hello\n'), 'x.bin')).toThrow(
      'x.bin: not a training dataset (header is not JSON)',
    );
  });
  it('splits about 30 % of users to test, stably per seed', () => {
    const ids = Array.from({ length: 20000 }, (_, i) => i * 13 + 1);
    const share = ids.filter((id) => isTestUser(id, 7)).length / ids.length;
    expect(share).toBeGreaterThan(0.29);
    expect(share).toBeLessThan(0.31);
    const moved = ids.filter((id) => isTestUser(id, 7) !== isTestUser(id, 8)).length / ids.length;
    expect(moved).toBeGreaterThan(0.3); // another seed, another split
  });
});

describe('out-of-order runs', () => {
  it('never move the pointer back to an older training week', () => {
    expect(isSupersededBy('0', '1')).toBe(true);
    expect(isSupersededBy('2', '1')).toBe(false);
    expect(isSupersededBy('1', '1')).toBe(false);
    expect(isSupersededBy('2026-W52', '2027-W01')).toBe(true);
  });
});

describe('publish order', () => {
  it("writes the version's documents, then a pointer naming it; the site copies come from the version", () => {
    const docs = versionDocuments('v1', { model: 'm', card: 'c', trees: 't' });
    expect(docs).toEqual([
      { key: 'models/v1/model.json', body: 'm' },
      { key: 'models/v1/card.json', body: 'c' },
      { key: 'models/v1/trees.json', body: 't' },
    ]);
    expect(JSON.parse(currentPointerBody('v1', new Date(0)))).toEqual({
      formatVersion: 1,
      version: 'v1',
      publishedAt: '1970-01-01T00:00:00.000Z',
    });
    expect(siteCopies('v1')).toEqual([
      { siteKey: 'data/trees.json', from: 'models/v1/trees.json' },
      { siteKey: 'data/card.json', from: 'models/v1/card.json' },
    ]);
  });
});

describe('the run plan', () => {
  it('is the default grid with the options given replacing its values, or exactly the options given', () => {
    expect(planRun(forestEngine, { maxDepth: 4 }).combinations.map((c) => c.params.featureSubsetStrategy)).toEqual([
      'sqrt',
      'onethird',
    ]);
    expect(planRun(forestEngine, { numTrees: 3 }, {}).combinations).toEqual([{ id: 'c0', params: { numTrees: 3 } }]);
  });
  it("checks every combination with the engine's own option checks", () => {
    expect(() => planRun(forestEngine, { maxDepth: [4, 31] })).toThrow(InvalidForestParams);
    expect(() => planRun(forestEngine, { engine: 'ml-random-forest', impurity: 'entropy' })).toThrow(
      'the ml-random-forest engine supports impurity "gini" only',
    );
    expect(() => planRun(forestEngine, { maxDepth: [] })).toThrow(TrainingInputError);
  });
  it('checks the rows an engine can train once the split is known, and refuses a week too small to split', () => {
    const { users, retained } = learnableWeek(7200);
    const table = parseFeaturesTsv(featuresTsv('0', users), 'f.tsv');
    const ml = planRun(forestEngine, { engine: 'ml-random-forest', numTrees: 2 }, {});
    expect(() => prepareSets(forestEngine, ml, '0', [table], [new Set(retained)])).toThrow(
      /ml-random-forest engine trains at most 5000 rows \(got 5\d{3}\)/,
    );
    const one = parseFeaturesTsv(featuresTsv('0', users.slice(0, 1)), 'f.tsv');
    expect(() => prepareSets(forestEngine, ml, '0', [one], [new Set(retained)])).toThrow(TrainingInputError);
  });
  it('labels by the union of the label week parts', () => {
    const { users } = learnableWeek(100);
    const table = parseFeaturesTsv(featuresTsv('0', users), 'f.tsv');
    const plan = planRun(forestEngine, {}, {});
    const { dataStats } = prepareSets(forestEngine, plan, '0', [table], [new Set([1, 2]), new Set([2, 3, 500])]);
    expect(dataStats).toMatchObject({ trainWeekUsers: 100, labelWeekActiveUsers: 4 });
    expect(dataStats.train.retained + dataStats.test.retained).toBe(3);
  });
});

describe('the model card', () => {
  it('has one shape: the resolved options with the split seed, the train side as the model saw it, the gate', async () => {
    const { users, retained } = learnableWeek(300);
    const table = parseFeaturesTsv(featuresTsv('0', users), 'f.tsv');
    const plan = planRun(forestEngine, { numTrees: 2, maxDepth: 2 }, {});
    const { sets, dataStats } = prepareSets(forestEngine, plan, '0', [table], [new Set(retained)]);
    const trained = await forestEngine.train(sets.train, defined(plan.combinations[0], 'a combination').params, {});
    const gate = decideGate(0.9, 0.8, DEFAULT_GATE);
    const input = {
      modelVersion: 'v1',
      runId: 'train-0-1-0123456789abcdef',
      trainedAt: '2026-11-29T00:00:00.000Z',
      trainWeek: '0',
      labelWeek: '1',
      sources: { trainWeek: ['f.tsv'], labelWeek: ['a.txt'], manifests: [] },
      splitSeed: plan.splitSeed,
      dataStats,
      metrics: forestEngine.metrics(sets.test.labels, forestEngine.score(trained.modelJson, sets.test)),
      featureImportance: forestEngine.featureImportance(trained.modelJson),
      candidates: [],
      gate,
    };
    const card = buildCard(input, forestEngine.describe(trained.modelJson));
    expect(Object.keys(card)).toEqual([
      'formatVersion',
      'modelVersion',
      'trainedAt',
      'trainWeek',
      'labelWeek',
      'runId',
      'sources',
      'params',
      'metrics',
      'featureImportance',
      'dataStats',
      'candidates',
      'gate',
    ]);
    expect(card.params).toMatchObject({ numTrees: 2, maxDepth: 2, maxBins: 32, engine: 'histogram', splitSeed: 7 });
    expect(card.dataStats.train).toMatchObject(dataStats.train);
    expect(card.dataStats.train.features).toHaveLength(17);
    expect(card.dataStats.test).toEqual(dataStats.test);
    expect(card.gate).toEqual({ decision: 'promote', reason: gate.reason, floor: 0.55, margin: 0.01, currentAuc: 0.8 });
    const documents = publicationDocuments(forestEngine, trained.modelJson, input);
    expect(JSON.parse(documents.card)).toEqual(card);
    expect(JSON.parse(documents.trees)).toMatchObject({ formatVersion: 1, modelVersion: 'v1' });
  });
});

describe('publishing a promoted winner', () => {
  const run = { trainWeek: '3', best: { auc: 0.8 }, current: { version: 'v-old' }, gate: { reason: 'passed' } };
  const current = (version: string, trainWeek: string | undefined, auc: number | undefined) => {
    const asked: string[] = [];
    const view: CurrentAtPublish = {
      version,
      trainWeek: async () => (asked.push('trainWeek'), trainWeek),
      scoreOnTest: async () => (
        asked.push('score'),
        { version, auc, unreadable: auc === undefined ? 'no' : undefined }
      ),
    };
    return { view, asked };
  };
  it('promotes when nothing is published, or the model Evaluate compared with is still current', async () => {
    expect(await decidePublication(run, undefined, DEFAULT_GATE)).toEqual({ decision: 'promote', reason: 'passed' });
    const same = current('v-old', '2', 0.95);
    expect(await decidePublication(run, same.view, DEFAULT_GATE)).toEqual({ decision: 'promote', reason: 'passed' });
    expect(same.asked).toEqual(['trainWeek']); // not scored again
  });
  it('leaves a model trained on a later week in place', async () => {
    const later = current('v-later', '4', 0.5);
    expect(await decidePublication(run, later.view, DEFAULT_GATE)).toEqual({
      decision: 'superseded',
      reason: 'the current model v-later was trained on week 4, later than week 3; it stays',
    });
    expect(later.asked).toEqual(['trainWeek']);
  });
  it('judges again against a model published since Evaluate; one it cannot read does not count', async () => {
    const better = current('v-new', '3', 0.9);
    const judged = await decidePublication(run, better.view, DEFAULT_GATE);
    expect(judged.decision).toBe('reject');
    expect(judged.reason).toBe(
      "test AUC 0.8000 is worse than the current model's 0.9000 by more than the margin 0.0100 (model v-new was published while this run was evaluated; judged again against it)",
    );
    expect(await decidePublication(run, current('v-new', '3', 0.805).view, DEFAULT_GATE)).toEqual({
      decision: 'promote',
      reason:
        'test AUC 0.8000 ≥ floor 0.5500; current model 0.8050, margin 0.0100 (model v-new was published while this run was evaluated; judged again against it)',
    });
    const unreadable = await decidePublication(run, current('v-new', undefined, undefined).view, DEFAULT_GATE);
    expect(unreadable.decision).toBe('promote');
    expect(unreadable.reason).toContain('no current model (current model v-new not comparable: no)');
  });
});
