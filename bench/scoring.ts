/**
 * Scoring speed, one thread: our forest against XGBoost 1.7's random forest, on the same
 * rows in the same run. Both forests have 20 trees of depth 10, 32 bins and sqrt features per
 * node, trained on the same generated users (bench/forest.ts's documented model); then both
 * score the same 1M rows (100k with --quick), best of 3:
 *   - ours: the quantized scorer (scoreColumns: bins, masks, the WebAssembly walk); the same
 *     walk in plain TypeScript (_typescript-walk.ts: the figure that decides whether the
 *     WebAssembly is worth keeping); scoring with every feature's contribution
 *     (contributionColumns, what the predict Lambda does); the walk on float thresholds
 *     (scoreByThresholds, for models the quantized scorer cannot take); and the predict
 *     Lambda's way in, one Float32Array per record turned into columns on every call
 *     (prepareModel().score);
 *   - XGBoost: predict_proba with nthread=1 in a /usr/bin/python3 child
 *     ("skipped" when xgboost is missing: apt-get install python3-xgboost).
 * What the rows/s count: from typed feature columns (Float32Array per feature, already in
 * memory) to a Float64Array of probabilities, binning included; reading files or JSON is not
 * in it, and the "per record" row shows what building the columns adds. XGBoost's count starts
 * from a float32 numpy matrix, the same input. Rows/s from wall time and from CPU time: the
 * machine is shared, so the load average is printed before and after, and the ratios (same
 * run) are the figures to compare.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainForest } from '#core/forest/index.ts';
import { contributionColumns } from '#core/forest/contributions.ts';
import { scoreByThresholds, scoreColumns } from '#core/forest/score.ts';
import { quantize } from '#core/forest/quantized.ts';
import { prepareModel } from '#core/prediction/model.ts';
import { scoreTypeScript } from './_typescript-walk.ts';
import { generate } from './forest.ts';
import { lastJsonLine, present, root } from './_shared.ts';
import type { BenchOptions } from './run.ts';

const PARAMS = { numTrees: 20, maxDepth: 10, maxBins: 32, featureSubsetStrategy: 'sqrt', seed: 7 } as const;
const FEATURES = 17;
const REPEATS = 3;

interface Table {
  readonly columns: Float32Array[];
  readonly rows: number;
}

interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

/** Both sides of a generated set as one table of `rows` rows. */
function table(users: number, seed: number): Table {
  const { train, test } = generate(users, seed);
  const rows = train.rows + test.rows;
  const columns = train.columns.map((column, f) => {
    const all = new Float32Array(rows);
    all.set(column.subarray(0, train.rows));
    all.set(test.columns[f]!.subarray(0, test.rows), train.rows);
    return all;
  });
  return { columns, rows };
}

/** The best of REPEATS runs of `work`, wall and CPU seconds. */
function best(work: () => void): Timing {
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    const used = process.cpuUsage();
    work();
    const spent = process.cpuUsage(used);
    wall = Math.min(wall, (performance.now() - started) / 1000);
    cpu = Math.min(cpu, (spent.user + spent.system) / 1e6);
  }
  return { wall, cpu };
}

function rowMajor(t: Table): Float32Array {
  const out = new Float32Array(t.rows * FEATURES);
  t.columns.forEach((column, f) => {
    for (let r = 0; r < t.rows; r++) out[r * FEATURES + f] = column[r]!;
  });
  return out;
}

function xgboost(train: ReturnType<typeof generate>['train'], score: Table): Timing | string {
  const python = '/usr/bin/python3';
  try {
    execFileSync(python, ['-c', 'import xgboost'], { stdio: 'ignore' });
  } catch {
    return 'skipped (xgboost missing: apt-get install python3-xgboost)';
  }
  const dir = mkdtempSync(join(tmpdir(), 'scoring-bench-'));
  try {
    writeFileSync(join(dir, 'train.f32'), rowMajor({ columns: train.columns, rows: train.rows }));
    writeFileSync(join(dir, 'train.u8'), train.labels.subarray(0, train.rows));
    writeFileSync(join(dir, 'score.f32'), rowMajor(score));
    const out = execFileSync(
      python,
      [join(root, 'bench/xgboost_scoring.py'), dir, String(PARAMS.numTrees), String(PARAMS.maxDepth), String(REPEATS)],
      { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, OMP_NUM_THREADS: '1' } },
    );
    const r = lastJsonLine<{ predictWall: number; predictCpu: number }>(out, 'the xgboost script');
    return { wall: r.predictWall, cpu: r.predictCpu };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const perSecond = (rows: number, seconds: number) => `${(rows / seconds / 1e6).toFixed(2)} M`;

/** One Float32Array per row, as the predict Lambda hands its records to the model. */
function records(t: Table): Float32Array[] {
  return Array.from({ length: t.rows }, (_, r) => Float32Array.from(t.columns, (column) => column[r]!));
}

/** Stops the run if a scorer's probabilities are not the quantized scorer's, bit for bit. */
function same(name: string, got: Float64Array, expected: Float64Array): void {
  for (let r = 0; r < expected.length; r++)
    if (got[r] !== expected[r])
      throw new Error(`${name}: row ${r} scored ${got[r]}, the quantized scorer ${expected[r]}`);
}

export async function run(opts: BenchOptions): Promise<void> {
  const { train } = generate(opts.quick ? 20_000 : 200_000);
  const score = table(opts.quick ? 100_000 : 1_000_000, 2);
  const model = await trainForest(train, PARAMS, { workers: 1 });
  const q = present(quantize(model), 'the quantized forest');
  const rows = records(score);
  const prepared = prepareModel(JSON.stringify(model), 'bench');
  const expected = scoreColumns(model, score.columns, score.rows);
  same('TypeScript walk', scoreTypeScript(q, score.columns, score.rows, new Float64Array(score.rows)), expected);
  same('per record', prepared.score(rows), expected);
  console.log(`load average before: ${load()}`);
  const out = new Float64Array(score.rows);
  const measured: [string, Timing | string][] = [];
  // XGBoost between two rounds of ours: both see the machine as it was during the run.
  const ours = () =>
    [
      ['ours (quantized, WebAssembly walk)', best(() => scoreColumns(model, score.columns, score.rows, out))],
      ['ours, the same walk in TypeScript', best(() => scoreTypeScript(q, score.columns, score.rows, out))],
      ['ours with contributions (reasons)', best(() => contributionColumns(model, score.columns, score.rows))],
      ['ours, walk on float thresholds', best(() => scoreByThresholds(model, score.columns, score.rows, out))],
      ['ours from one Float32Array per record', best(() => prepared.score(rows))],
    ] as [string, Timing][];
  const first = ours();
  const reference = xgboost(train, score);
  const second = ours();
  first.forEach(([name, a], i) => {
    const b = second[i]![1];
    measured.push([name, { wall: Math.min(a.wall, b.wall), cpu: Math.min(a.cpu, b.cpu) }]);
  });
  measured.push(['XGBoost 1.7 predict_proba, nthread=1', reference]);
  console.log(`load average after: ${load()}`);
  console.log(
    `${score.rows} rows, 20 trees of depth 10 (${train.rows} training rows), best of ${REPEATS} (ours: of ${2 * REPEATS}), one thread`,
  );
  console.log('| scorer | wall s | rows/s (wall) | rows/s (CPU) | XGBoost wall / this wall |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, t] of measured) {
    if (typeof t === 'string') {
      console.log(`| ${name} | ${t} | – | – | – |`);
      continue;
    }
    const ratio = typeof reference === 'string' ? '–' : `${(reference.wall / t.wall).toFixed(2)}×`;
    console.log(
      `| ${name} | ${t.wall.toFixed(3)} | ${perSecond(score.rows, t.wall)} | ${perSecond(score.rows, t.cpu)} | ${ratio} |`,
    );
  }
  const [wasm, typescript] = measured.map(([, t]) => t as Timing);
  console.log(
    `WebAssembly walk / TypeScript walk: ${ratioOf(typescript!, wasm!)} (wall), ${(typescript!.cpu / wasm!.cpu).toFixed(2)}× (CPU); ` +
      `goal ≥ 2 M rows/s per core: ${score.rows / wasm!.cpu >= 2e6 ? 'met' : 'NOT met'} (${perSecond(score.rows, wasm!.cpu)} rows per CPU-second)`,
  );
}

const ratioOf = (slow: Timing, fast: Timing) => `${(slow.wall / fast.wall).toFixed(2)}×`;
