/**
 * `retention train --features DIR_W --next DIR_W1 --out DIR`: trains the forest on week W's
 * extracted features, labelled by week W+1's active users, tests it on a 30 % user split,
 * and writes model.json, card.json and trees.json (docs/formats.md). With --cloud it starts
 * the training state machine instead (train-cloud.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { EXIT_OK, UsageError, integer, optional, required, type Command, type ParsedArgs } from '#bin/cli-kit.ts';
import { cloudTrainingOptions, cloudTrainingUsage, runCloudTraining } from './train-cloud.ts';
import { InvalidForestParams } from '#core/forest/index.ts';
import { parseActiveUsers, parseFeaturesTsv } from '#core/training/features-table.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import { DEFAULT_GRID, DEFAULT_SPLIT_SEED, type ParamValue } from '#core/training/params.ts';
import { TrainingInputError, planRun, type RunPlan, type RunSources } from '#core/training/prepare.ts';
import { trainInProcess } from '#core/training/train-in-process.ts';

/** features.tsv or features.tsv.gz of an extracted week directory. */
export async function readFeaturesFile(dirOrFile: string): Promise<{ text: string; path: string }> {
  const candidates = [dirOrFile, join(dirOrFile, 'features.tsv'), join(dirOrFile, 'features.tsv.gz')];
  for (const path of candidates) {
    if (!existsSync(path) || !path.match(/\.tsv(\.gz)?$/)) continue;
    const bytes = await readFile(path);
    return { text: (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'), path };
  }
  throw new Error(`${dirOrFile}: no features.tsv or features.tsv.gz (run retention extract first)`);
}

interface InputFile {
  readonly path: string;
  readonly text: string;
}

async function readManifest(dir: string): Promise<(InputFile & { week?: string }) | undefined> {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return undefined;
  const text = await readFile(path, 'utf8');
  return { path, text, week: (JSON.parse(text) as { week?: string }).week };
}

const fingerprint = (file: InputFile) =>
  `${file.path}@${createHash('sha256').update(file.text).digest('hex').slice(0, 16)}`;

/** The forest flags in the training flow's `params` form (option → value), numbers as numbers. */
function runParams(args: ParsedArgs): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  const flags: [string, string][] = [
    ['num-trees', 'numTrees'],
    ['max-depth', 'maxDepth'],
    ['max-bins', 'maxBins'],
    ['min-instances-per-node', 'minInstancesPerNode'],
    ['min-info-gain', 'minInfoGain'],
    ['impurity', 'impurity'],
    ['feature-subset-strategy', 'featureSubsetStrategy'],
    ['subsampling-rate', 'subsamplingRate'],
    ['seed', 'seed'],
    ['engine', 'engine'],
  ];
  for (const [flag, name] of flags) {
    const value = optional(args, flag);
    if (value !== undefined)
      params[name] = value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  if (args.values['no-bootstrap'] === true) params.bootstrap = false;
  if (optional(args, 'split-seed') !== undefined)
    params.splitSeed = integer(args, 'split-seed', DEFAULT_SPLIT_SEED, 0, 2 ** 32 - 1);
  return params;
}

/** Without --grid the options given are the one combination; with it, they replace the default grid's values. */
function plan(args: ParsedArgs, params: Record<string, ParamValue>): RunPlan {
  try {
    return planRun(forestEngine, params, args.values.grid === true ? DEFAULT_GRID : {});
  } catch (error) {
    if (error instanceof InvalidForestParams || error instanceof TrainingInputError)
      throw new UsageError(error.message);
    throw error;
  }
}

const gridText = Object.entries(DEFAULT_GRID)
  .filter(([, values]) => values.length > 1)
  .map(([name, values]) => `${name} ${values.join('/')}`)
  .join(' × ');

export const command: Command = {
  summary: 'train the forest on week W labelled by week W+1; write model.json, card.json, trees.json',
  usage: `usage: retention train --features DIR_W --next DIR_W1 --out DIR [options]
       ${cloudTrainingUsage.slice(0, cloudTrainingUsage.indexOf('\n')).replace('usage: ', '')}

Rows are the users of week W's features.tsv; label 1 ("retained") when the user is in week
W+1's active_users.txt. Users split 70/30 into train and test by a hash of (user_id, split
seed). Writes DIR/model.json, DIR/card.json (metrics on the test set) and DIR/trees.json.

  --features DIR_W               extracted week W (features.tsv[.gz]; manifest.json if present)
  --next DIR_W1                  extracted week W+1 (active_users.txt)
  --out DIR                      where to write (created if missing)
  --num-trees N                  trees (default 20)
  --max-depth N                  deepest node level, 0 = one leaf (default 10)
  --max-bins N                   bins per continuous feature, 2..255 (default 32)
  --min-instances-per-node N     rows each child must keep (default 1)
  --min-info-gain X              smallest information gain to split (default 0)
  --impurity gini|entropy        (default gini)
  --feature-subset-strategy S    auto|all|sqrt|log2|onethird|fraction (default auto = sqrt)
  --subsampling-rate X           rows drawn per tree, share of the train set (default 1)
  --no-bootstrap                 draw rows without replacement
  --seed N                       forest seed: same data + seed → same model (default 7)
  --split-seed N                 train/test split seed (default ${DEFAULT_SPLIT_SEED})
  --engine histogram|ml-random-forest   (default histogram; ml-random-forest ≤ 5000 rows)
  --grid                         try the training flow's default grid, keep the best test AUC:
                                 ${gridText}
                                 (the options given replace the grid's values)
  --workers N                    worker threads for the trees (default: the machine's cores)
  --cloud ...                    start the cloud training flow instead (retention train-cloud --help)
`,
  options: {
    features: { type: 'string' },
    next: { type: 'string' },
    out: { type: 'string' },
    'num-trees': { type: 'string' },
    'max-depth': { type: 'string' },
    'max-bins': { type: 'string' },
    'min-instances-per-node': { type: 'string' },
    'min-info-gain': { type: 'string' },
    impurity: { type: 'string' },
    'feature-subset-strategy': { type: 'string' },
    'subsampling-rate': { type: 'string' },
    'no-bootstrap': { type: 'boolean' },
    seed: { type: 'string' },
    'split-seed': { type: 'string' },
    engine: { type: 'string' },
    grid: { type: 'boolean' },
    workers: { type: 'string' },
    ...cloudTrainingOptions,
  },
  async run(args) {
    if (args.values.cloud === true) return runCloudTraining(args);
    const featuresDir = required(args, 'features');
    const nextDir = required(args, 'next');
    const out = required(args, 'out');
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const params = runParams(args);
    const runPlan = plan(args, params);
    const workers = integer(args, 'workers', availableParallelism(), 1, 256);

    const features = await readFeaturesFile(featuresDir);
    const activePath = join(nextDir, 'active_users.txt');
    if (!existsSync(activePath))
      throw new Error(`${nextDir}: no active_users.txt (run retention extract on week W+1 first)`);
    const active: InputFile = { path: activePath, text: await readFile(activePath, 'utf8') };
    const [trainManifest, labelManifest] = await Promise.all([readManifest(featuresDir), readManifest(nextDir)]);
    const manifests = [trainManifest, labelManifest].filter((m) => m !== undefined);
    const sources: RunSources = {
      trainWeek: [features.path],
      labelWeek: [active.path],
      manifests: manifests.map((m) => ({ key: m.path, manifest: JSON.parse(m.text) as unknown })),
    };
    const run = await trainInProcess(forestEngine, {
      plan: runPlan,
      params,
      trainWeek: trainManifest?.week ?? featuresDir,
      labelWeek: labelManifest?.week ?? nextDir,
      trainParts: [parseFeaturesTsv(features.text, features.path)],
      labelParts: [parseActiveUsers(active.text)],
      sources,
      fingerprints: [features, active, ...manifests].map(fingerprint),
      startedAt: new Date(),
      threads: workers,
    });

    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'model.json'), run.documents.model);
    await writeFile(join(out, 'card.json'), run.documents.card);
    await writeFile(join(out, 'trees.json'), run.documents.trees);

    const { train, test } = run.prepared.sets;
    const { best, metrics: m } = run.evaluated;
    const p = forestEngine.describe(run.evaluated.winner.modelJson).params;
    const count = runPlan.combinations.length;
    console.log(
      `trained ${count} candidate${count > 1 ? 's' : ''} on ${train.rows} users in ${run.trainSeconds.toFixed(1)} s (${p.engine}, ${p.numTrees} trees, depth ${p.maxDepth}, ${p.featureSubsetStrategy}); ${best.nodes} nodes`,
    );
    console.log(
      `test set ${test.rows} users: AUC ${m.auc.toFixed(4)}  error ${m.errorRate.toFixed(4)}  baseline error ${m.baselineErrorRate.toFixed(4)}`,
    );
    console.log(`wrote ${join(out, 'model.json')}, card.json, trees.json (model ${run.version})`);
    return EXIT_OK;
  },
};
