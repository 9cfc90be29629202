/**
 * The forest engine against its references, on the same generated data and the same
 * 70/30 user split, 20 trees of depth 10 with sqrt features:
 *   - histogram engine (1 thread and all cores) vs XGBoost 1.7 XGBRFClassifier(tree_method="hist",
 *     max_bin=32, n_jobs=1, the same features per node) and scikit-learn
 *     RandomForestClassifier(n_jobs=1) at 10k and 100k users, 1M with --1m; a reference whose
 *     python package is missing prints "skipped (apt-get install python3-xgboost)" or its like;
 *   - vs ml-random-forest at 5k users (1k with --quick);
 *   - scoring rows/s (one thread), peak RSS of each training child process,
 *   - test AUC vs the best possible AUC (the generator's true probabilities).
 * Each measurement runs in its own child process so RSS and timing are its own.
 *
 * Data (documented model, synthesized here rather than through seed/ + extract, which would
 * take minutes per size at 1M users): industry, region, social type, gender uniform; age
 * uniform 20..70; a hidden engagement e ~ N(0, 1) and a main platform (25/25/35/10/5 %);
 * λ = exp(1.8 + 0.6 e) events, each platform count ~ Poisson(λ (0.75 [main] + 0.05)),
 * each event-type count ~ Poisson(λ × its base share); retention log-odds
 * = -0.2 + 1.2 e + industry, region and main-platform effects − 0.01 (age − 45);
 * the label is drawn from that probability.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTestUser } from '#core/training/labels.ts';
import { binaryMetrics, countNodes, scoreColumns, trainForest } from '#core/forest/index.ts';
import { featuresPerNode, resolveOptions } from '#core/forest/params.ts';
import { mulberry32 } from '#core/forest/rng.ts';
import { argvAt, lastJsonLine, present } from './_shared.ts';

interface BenchOptions {
  quick: boolean;
}

const root = fileURLToPath(new URL('../', import.meta.url));
const PARAMS = { numTrees: 20, maxDepth: 10, featureSubsetStrategy: 'sqrt', seed: 7 } as const;
const FEATURES = 17;

const INDUSTRY = [-0.5, 0.1, 0.5, 0.3, 0, -0.3];
const REGION = [0.1, -0.1, -0.2, 0.2, 0.1, 0, 0, -0.1];
const PLATFORM = [0, -0.2, 0.4, 0.1, -0.6];
const PLATFORM_SHARE = [0.25, 0.5, 0.85, 0.95, 1];
const TYPE_BASE = [0.1, 0.15, 0.08, 0.3, 0.22, 0.08, 0.07];

interface Split {
  columns: Float32Array[];
  labels: Uint8Array;
  truth: Float64Array;
  rows: number;
}

/** Users 1..n from the documented model, split 70/30 by the product's user hash (seed 7). */
export function generate(users: number, seed = 1): { train: Split; test: Split } {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const poisson = (lambda: number) => {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = random();
    while (p > limit) {
      k++;
      p *= random();
    }
    return k;
  };
  const make = (rows: number): Split => ({
    columns: Array.from({ length: FEATURES }, () => new Float32Array(rows)),
    labels: new Uint8Array(rows),
    truth: new Float64Array(rows),
    rows: 0,
  });
  const testRows = Array.from({ length: users }, (_, i) => isTestUser(i + 1, 7)).filter(Boolean).length;
  const train = make(users - testRows);
  const test = make(testRows);
  for (let id = 1; id <= users; id++) {
    const side = isTestUser(id, 7) ? test : train;
    const r = side.rows++;
    // The draws in a fixed order (the same data for a seed), then the row into the columns.
    const industry = Math.floor(random() * 6);
    const region = Math.floor(random() * 8);
    const social = Math.floor(random() * 3);
    const e = gauss();
    const u = random();
    const main = PLATFORM_SHARE.findIndex((s) => u < s);
    const lambda = Math.exp(1.8 + 0.6 * e);
    const platforms = Array.from({ length: 5 }, (_, p) => poisson(lambda * ((p === main ? 0.75 : 0) + 0.05)));
    const types = TYPE_BASE.map((base) => poisson(lambda * base));
    const gender = random() < 0.5 ? 1 : 0;
    const age = 20 + Math.floor(random() * 51);
    const values = [industry, region, social, ...platforms, ...types, gender, age];
    for (const [f, v] of values.entries()) present(side.columns[f], `column ${f}`)[r] = v;
    const effect = (table: readonly number[], i: number) => present(table[i], `the effect of drawn index ${i}`);
    const z =
      -0.2 + 1.2 * e + effect(INDUSTRY, industry) + effect(REGION, region) + effect(PLATFORM, main) - 0.01 * (age - 45);
    const p = 1 / (1 + Math.exp(-z));
    side.truth[r] = p;
    side.labels[r] = random() < p ? 1 : 0;
  }
  return { train, test };
}

interface ChildResult {
  trainSeconds: number;
  /** CPU seconds of the whole process (user + system) while training: less at the mercy of other sessions than wall time. */
  trainCpuSeconds: number;
  auc: number;
  bestAuc: number;
  maxRssMB: number;
  nodes: number;
  trainRows: number;
  scoreRowsPerSecond?: number;
  sklearn?: Reference | string;
  xgboost?: Reference | string;
}

/** Child mode: generate, train with `engine` on `workers` threads, evaluate; optionally the python references on the same split. */
async function child(users: number, workers: number, engine: string, withReferences: boolean): Promise<void> {
  const { train, test } = generate(users);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const model = await trainForest(train, { ...PARAMS, engine }, { workers });
  const trainSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const trainCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  const scores = scoreColumns(model, test.columns, test.rows);
  const result: ChildResult = {
    trainSeconds,
    trainCpuSeconds,
    auc: binaryMetrics(test.labels, scores).auc,
    bestAuc: binaryMetrics(test.labels, test.truth).auc,
    maxRssMB,
    nodes: countNodes(model),
    trainRows: train.rows,
  };
  if (workers === 1 && engine === 'histogram') {
    let scored = 0;
    const t0 = performance.now();
    const out = new Float64Array(test.rows);
    while (performance.now() - t0 < 1000) {
      scoreColumns(model, test.columns, test.rows, out);
      scored += test.rows;
    }
    result.scoreRowsPerSecond = scored / ((performance.now() - t0) / 1000);
  }
  if (withReferences) Object.assign(result, references(train, test));
  console.log(JSON.stringify(result));
}

interface Reference {
  fitSeconds: number;
  fitCpuSeconds: number;
  auc: number;
}

/** A python that imports `module`: the one on PATH, else Debian's, else none. */
function pythonWith(module: string): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', `import ${module}`], { stdio: 'ignore' });
      return python;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Both python references on the same split, one after the other (one thread each). */
function references(train: Split, test: Split): Pick<ChildResult, 'sklearn' | 'xgboost'> {
  const dir = mkdtempSync(join(tmpdir(), 'forest-bench-'));
  try {
    for (const [name, set] of [
      ['train', train],
      ['test', test],
    ] as const) {
      const rowMajor = new Float32Array(set.rows * FEATURES);
      set.columns.forEach((column, f) =>
        column.subarray(0, set.rows).forEach((v, r) => (rowMajor[r * FEATURES + f] = v)),
      );
      writeFileSync(join(dir, `${name}.f32`), rowMajor);
      writeFileSync(join(dir, `${name}.u8`), set.labels);
    }
    const perNode = String(featuresPerNode(resolveOptions(PARAMS), FEATURES));
    const common = [dir, String(PARAMS.numTrees), String(PARAMS.maxDepth)];
    // XGBoost first: nearer in time to our training, so the machine's load is more alike.
    const xgboost = runReference('xgboost', 'xgboost_forest.py', [...common, perNode], 'python3-xgboost');
    return { xgboost, sklearn: runReference('sklearn', 'sklearn_forest.py', common, 'python3-sklearn') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runReference(module: string, script: string, args: string[], debianPackage: string): Reference | string {
  const python = pythonWith(module);
  if (!python) return `skipped (apt-get install ${debianPackage})`;
  const out = execFileSync(python, [join(root, 'bench', script), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return lastJsonLine<Reference>(out, `bench/${script}`);
}

function spawnChild(users: number, workers: number, engine: string, withReferences: boolean): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(
      join(root, 'node_modules/.bin/node'),
      [
        fileURLToPath(import.meta.url),
        '--forest-child',
        String(users),
        String(workers),
        engine,
        withReferences ? 'references' : '-',
      ],
      { maxBuffer: 1 << 22 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`bench child (${users} users, ${engine}) failed: ${stderr || error.message}`));
        else resolve(lastJsonLine<ChildResult>(stdout, `the bench child (${users} users, ${engine})`));
      },
    );
  });
}

const f = (x: number, digits = 2) => x.toFixed(digits);

/** Our CPU seconds against each reference's, with the ratios. */
function cpuLine(one: ChildResult): string {
  const versus = (name: string, reference: Reference | string | undefined) =>
    typeof reference === 'object'
      ? `${name} ${f(reference.fitCpuSeconds)} (ours / ${name} ${f(one.trainCpuSeconds / reference.fitCpuSeconds)}×)`
      : `${name} ${reference ?? 'skipped'}`;
  return `ours ${f(one.trainCpuSeconds)}; ${versus('XGBoost', one.xgboost)}; ${versus('sklearn', one.sklearn)}`;
}

/** Time, ours ÷ theirs (below 1× we are faster) and AUC of a reference; its skip reason when it did not run. */
function referenceCells(reference: Reference | string | undefined, ours: number): [string, string, string] {
  if (typeof reference !== 'object') return [reference ?? 'skipped', '–', '–'];
  return [f(reference.fitSeconds), `${f(ours / reference.fitSeconds)}×`, f(reference.auc, 4)];
}

export async function run(opts: BenchOptions): Promise<void> {
  const cores = availableParallelism();
  const sizes = opts.quick ? [10_000] : [10_000, 100_000];
  if (process.argv.includes('--1m') || process.env.FOREST_BENCH_1M === '1') sizes.push(1_000_000);
  console.log(
    `20 trees, depth 10, sqrt features, maxBins 32; ${cores} cores (shared machine: other work may be running)`,
  );
  console.log(
    `load average ${loadavg()
      .map((l) => f(l))
      .join(' ')} at the start`,
  );
  console.log(
    '| users | train rows | ours 1 thread s | ours all cores s | XGBoost RF nthread=1 s | ours / XGBoost | sklearn n_jobs=1 s | ours / sklearn | AUC ours | AUC XGBoost | AUC sklearn | best AUC | peak RSS MB (1 thread) | scoring rows/s | load 1 min |',
  );
  console.log(
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  const cpuLines: string[] = [];
  for (const users of sizes) {
    const one = await spawnChild(users, 1, 'histogram', true);
    const all = cores > 1 ? await spawnChild(users, cores, 'histogram', false) : one;
    const [xgTime, xgRatio, xgAuc] = referenceCells(one.xgboost, one.trainSeconds);
    const [skTime, skRatio, skAuc] = referenceCells(one.sklearn, one.trainSeconds);
    console.log(
      `| ${users} | ${one.trainRows} | ${f(one.trainSeconds)} | ${f(all.trainSeconds)} | ${xgTime} | ${xgRatio} | ${skTime} | ${skRatio} | ${f(one.auc, 4)} | ${xgAuc} | ${skAuc} | ${f(one.bestAuc, 4)} | ${f(one.maxRssMB, 0)} | ${Math.round(one.scoreRowsPerSecond ?? 0)} | ${f(loadavg()[0] ?? 0)} |`,
    );
    cpuLines.push(`${users} users: ${cpuLine(one)}`);
  }
  console.log(`\nCPU seconds while training, one thread each (user + system of the process):\n${cpuLines.join('\n')}`);
  const small = opts.quick ? 1000 : 5000;
  const lib = await spawnChild(small, 1, 'ml-random-forest', false);
  const hist = await spawnChild(small, 1, 'histogram', false);
  console.log(
    `\nml-random-forest at ${small} users (${lib.trainRows} train rows): ${f(lib.trainSeconds)} s, AUC ${f(lib.auc, 4)}; histogram ${f(hist.trainSeconds, 3)} s, AUC ${f(hist.auc, 4)}; ratio ${Math.round(lib.trainSeconds / hist.trainSeconds)}× (best AUC ${f(hist.bestAuc, 4)})`,
  );
}

if (process.argv[2] === '--forest-child') {
  await child(Number(argvAt(3)), Number(argvAt(4)), argvAt(5), argvAt(6) === 'references');
}
