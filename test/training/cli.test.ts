/** `retention train` and `retention predict` end to end: extracted weeks in, model files and scores out. */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '#core/forest/index.ts';
import { DEFAULT_CATEGORIES, FEATURE_NAMES } from '#core/schema.ts';
import { mulberry32 } from '#core/forest/rng.ts';
import { defined } from '#test/support/defined.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const node = join(root, 'node_modules/.bin/node'); // Node 24 runs the .ts entry directly

/** `retention train` on week 0 labelled by week `next`, into `out` (folders under the test's dir). */
function trainArgs(next: string, out: string): string[] {
  return ['train', '--features', join(dir, 'w0'), '--next', join(dir, next), '--out', join(dir, out)];
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node, [join(root, 'bin/retention.ts'), ...args], { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
const USERS = 1200;

/** Week 0's features.tsv, and week 1's active users: users on BANK or with pc ≥ 3 come back (mostly). */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'train-cli-'));
  const random = mulberry32(5);
  const pick = <T>(list: readonly T[]): T => defined(list[Math.floor(random() * list.length)], 'a list item');
  const lines = [['user_id', 'week', ...FEATURE_NAMES].join('\t')];
  const active: number[] = [];
  for (let id = 1; id <= USERS; id++) {
    const industry = pick(DEFAULT_CATEGORIES.industry);
    const pc = Math.floor(random() * 6);
    const counts = Array.from({ length: 12 }, () => Math.floor(random() * 4));
    counts[2] = pc; // iphone android pc …
    lines.push(
      [
        id,
        0,
        industry,
        pick(DEFAULT_CATEGORIES.region),
        pick(DEFAULT_CATEGORIES.social_type),
        ...counts,
        Math.floor(random() * 2),
        20 + Math.floor(random() * 51),
      ].join('\t'),
    );
    if ((industry === 'BANK' || pc >= 3) !== random() < 0.1) active.push(id);
  }
  await mkdir(join(dir, 'w0'));
  await mkdir(join(dir, 'w1'));
  await writeFile(join(dir, 'w0/features.tsv'), lines.join('\n') + '\n');
  await writeFile(join(dir, 'w1/active_users.txt'), active.join('\n') + '\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('retention train', () => {
  it('writes model.json, card.json and trees.json and prints AUC, error and baseline', async () => {
    const run = await cli([...trainArgs('w1', 'out'), '--num-trees', '6', '--max-depth', '5', '--workers', '2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/AUC 0\.\d{4}\s+error 0\.\d{4}\s+baseline error 0\.\d{4}/);
    const model = loadModel(await readFile(join(dir, 'out/model.json'), 'utf8'));
    expect(model.trees).toHaveLength(6);
    const card = JSON.parse(await readFile(join(dir, 'out/card.json'), 'utf8'));
    expect(card).toMatchObject({ formatVersion: 1, params: { numTrees: 6, maxDepth: 5 } });
    expect(card.metrics.auc).toBeGreaterThan(0.8); // the rule is learnable; 10 % of labels flipped
    expect(card.featureImportance.reduce((s: number, f: { importance: number }) => s + f.importance, 0)).toBeCloseTo(
      1,
      9,
    );
    expect(card.dataStats.train.rows + card.dataStats.test.rows).toBe(USERS);
    const trees = JSON.parse(await readFile(join(dir, 'out/trees.json'), 'utf8'));
    expect(trees).toMatchObject({ formatVersion: 1, modelVersion: card.modelVersion });
    expect(trees.trees).toHaveLength(6);
    expect(trees.trees[0]).toHaveProperty('condition');
  });

  it("keeps the best of the training flow's grid, listing every candidate in the card", async () => {
    const grid = async (out: string, ...options: string[]) => {
      const run = await cli([...trainArgs('w1', out), '--grid', '--workers', '1', ...options]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^trained ${options.length > 0 ? 2 : 4} candidates on \\d+ users`));
      return JSON.parse(await readFile(join(dir, out, 'card.json'), 'utf8')) as {
        candidates: { id: string; params: Record<string, unknown>; auc: number }[];
        metrics: { auc: number };
      };
    };
    const card = await grid('grid');
    // The default grid (core/training/params.ts): depth 6 or 10 × sqrt or onethird features, 20 trees.
    expect(
      card.candidates.map((c) => [c.id, c.params.maxDepth, c.params.featureSubsetStrategy, c.params.numTrees]),
    ).toEqual([
      ['c0', 6, 'sqrt', 20],
      ['c1', 10, 'sqrt', 20],
      ['c2', 6, 'onethird', 20],
      ['c3', 10, 'onethird', 20],
    ]);
    expect(card.metrics.auc).toBe(Math.max(...card.candidates.map((c) => c.auc)));
    // An option given replaces the grid's values for it.
    const shallow = await grid('grid-shallow', '--max-depth', '3');
    expect(shallow.candidates.map((c) => c.params.maxDepth)).toEqual([3, 3]);
  }, 60_000);

  it('fails with one line and exit 2 on a bad option, exit 1 when the next week is missing', async () => {
    const bad = await cli([...trainArgs('w1', 'x'), '--impurity', 'variance']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/impurity must be gini or entropy/);
    const missing = await cli([...trainArgs('nowhere', 'x')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no active_users\.txt/);
  });
});

describe('retention predict', () => {
  // Its own small model (2 shallow trees, one worker): the test does not depend on the train tests above.
  beforeAll(async () => {
    const train = await cli([
      ...trainArgs('w1', 'predict-model'),
      '--num-trees',
      '2',
      '--max-depth',
      '3',
      '--workers',
      '1',
    ]);
    expect(train.code, train.stderr).toBe(0);
  });

  it('writes user_id, probability and retained for every user', async () => {
    const run = await cli([
      'predict',
      '--model',
      join(dir, 'predict-model'),
      '--features',
      join(dir, 'w0/features.tsv'),
      '--out',
      join(dir, 'pred.tsv'),
    ]);
    expect(run.code).toBe(0);
    const lines = (await readFile(join(dir, 'pred.tsv'), 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('user_id\tprobability\tretained');
    expect(lines).toHaveLength(USERS + 1);
    for (const line of lines.slice(1)) {
      const [, p, retained] = line.split('\t');
      expect(Number(retained)).toBe(Number(p) >= 0.5 ? 1 : 0);
    }
  });

  it("with --reasons adds each user's 3 largest contributions, feature=value and the signed change", async () => {
    const args = ['predict', '--model', join(dir, 'predict-model'), '--features', join(dir, 'w0/features.tsv')];
    const [plain, run] = await Promise.all([
      cli([...args, '--out', join(dir, 'pred-plain.tsv')]),
      cli([...args, '--out', join(dir, 'pred-reasons.tsv'), '--reasons']),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(plain.code).toBe(0);
    const lines = (await readFile(join(dir, 'pred-reasons.tsv'), 'utf8')).trimEnd().split('\n');
    const without = (await readFile(join(dir, 'pred-plain.tsv'), 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('user_id\tprobability\tretained\treasons');
    expect(lines).toHaveLength(USERS + 1);
    const sent = new Map(
      (await readFile(join(dir, 'w0/features.tsv'), 'utf8'))
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((line) => {
          const [id, , ...values] = line.split('\t');
          return [id, Object.fromEntries(FEATURE_NAMES.map((name, f) => [name, values[f]]))];
        }),
    );
    let withReasons = 0;
    lines.slice(1).forEach((line, i) => {
      const [id, p, retained, reasons = ''] = line.split('\t');
      expect([id, p, retained].join('\t')).toBe(without[i + 1]); // the same scores as without --reasons
      const parsed = reasons
        .split('; ')
        .filter(Boolean)
        .map((text) => defined(/^(?<name>\w+)=(?<value>\S+) (?<change>[+-]\d\.\d{4})$/.exec(text)?.groups, text));
      expect(parsed.length).toBeLessThanOrEqual(3);
      if (parsed.length > 0) withReasons++;
      const user = defined(sent.get(defined(id, 'a user id')), `user ${id} in features.tsv`);
      for (const r of parsed) expect(r.value).toBe(user[defined(r.name, 'a name')]);
      const sizes = parsed.map((r) => Math.abs(Number(r.change)));
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    });
    expect(withReasons).toBe(USERS); // every user's path splits on something
  }, 150_000); // two command-line runs side by side (each ~15 s on the loaded build machine)
});
