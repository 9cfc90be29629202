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
import { EXIT_OK, UsageError, integer, optional, required, type Command, type ParsedArgs } from '../cli-kit.ts';
import { cloudTrainingOptions, cloudTrainingUsage, runCloudTraining } from './train-cloud.ts';
import { buildTrainingSet, splitByUser } from '../../functions/core/dataset/index.ts';
import {
  CLI_GRID,
  InvalidForestParams,
  buildCard,
  countNodes,
  parameterGrid,
  resolveOptions,
  serializeModel,
  trainGrid,
  treesDocument,
  type LooseParams,
} from '../../functions/core/forest/index.ts';

const DEFAULT_SPLIT_SEED = 7;

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

async function readManifest(dir: string): Promise<{ week?: string; sources?: unknown[] } | undefined> {
  const path = join(dir, 'manifest.json');
  return existsSync(path)
    ? (JSON.parse(await readFile(path, 'utf8')) as { week?: string; sources?: unknown[] })
    : undefined;
}

function forestParams(args: ParsedArgs): LooseParams {
  const params: Record<string, string | number | boolean> = {};
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
    if (value !== undefined) params[name] = value;
  }
  if (args.values['no-bootstrap'] === true) params.bootstrap = false;
  try {
    resolveOptions(params);
  } catch (error) {
    if (error instanceof InvalidForestParams) throw new UsageError(error.message);
    throw error;
  }
  return params;
}

export const command: Command = {
  summary: 'train the forest on week W labelled by week W+1; write model.json, card.json, trees.json',
  usage: `usage: retention train --features DIR_W --next DIR_W1 --out DIR [options]
       ${cloudTrainingUsage.split('\n')[0].replace('usage: ', '')}

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
  --grid                         try numTrees ${CLI_GRID.numTrees.join('/')} × maxDepth ${CLI_GRID.maxDepth.join('/')} ×
                                 featureSubsetStrategy ${CLI_GRID.featureSubsetStrategy.join('/')}; keep the best test AUC
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
    const params = forestParams(args);
    const splitSeed = integer(args, 'split-seed', DEFAULT_SPLIT_SEED, 0, 2 ** 32 - 1);
    const workers = integer(args, 'workers', availableParallelism(), 1, 256);

    const features = await readFeaturesFile(featuresDir);
    const activePath = join(nextDir, 'active_users.txt');
    if (!existsSync(activePath))
      throw new Error(`${nextDir}: no active_users.txt (run retention extract on week W+1 first)`);
    const all = buildTrainingSet(features.text, await readFile(activePath, 'utf8'), { source: features.path });
    const { train, test } = splitByUser(all, splitSeed);
    if (train.rows === 0 || test.rows === 0)
      throw new Error(`${features.path}: ${all.rows} users are too few to split 70/30`);

    const grid = args.values.grid === true ? parameterGrid(CLI_GRID, params) : [params];
    const started = performance.now();
    const { best, candidates } = await trainGrid(train, test, grid, { workers });
    const seconds = (performance.now() - started) / 1000;

    const modelJson = serializeModel(best.model);
    const [trainManifest, labelManifest] = await Promise.all([readManifest(featuresDir), readManifest(nextDir)]);
    const trainWeek = trainManifest?.week ?? featuresDir;
    const labelWeek = labelManifest?.week ?? nextDir;
    const modelVersion = `${trainWeek}-${createHash('sha256').update(modelJson).digest('hex').slice(0, 12)}`;
    let testRetained = 0;
    for (let r = 0; r < test.rows; r++) testRetained += test.labels[r];
    const card = buildCard({
      model: best.model,
      metrics: best.metrics,
      modelVersion,
      trainedAt: new Date().toISOString(),
      trainWeek,
      labelWeek,
      sources: [
        trainManifest && {
          manifest: join(featuresDir, 'manifest.json'),
          week: trainManifest.week,
          sources: trainManifest.sources,
        },
        labelManifest && { manifest: join(nextDir, 'manifest.json'), week: labelManifest.week },
      ].filter(Boolean),
      testStats: { rows: test.rows, retained: testRetained, notRetained: test.rows - testRetained },
      candidates,
    });
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'model.json'), modelJson);
    await writeFile(join(out, 'card.json'), JSON.stringify(card, null, 2) + '\n');
    await writeFile(join(out, 'trees.json'), JSON.stringify(treesDocument(best.model, modelVersion)));

    const m = best.metrics;
    const p = best.model.params;
    console.log(
      `trained ${candidates.length} candidate${candidates.length > 1 ? 's' : ''} on ${train.rows} users in ${seconds.toFixed(1)} s (${p.engine}, ${p.numTrees} trees, depth ${p.maxDepth}, ${p.featureSubsetStrategy}); ${countNodes(best.model)} nodes`,
    );
    console.log(
      `test set ${test.rows} users: AUC ${m.auc.toFixed(4)}  error ${m.errorRate.toFixed(4)}  baseline error ${m.baselineErrorRate.toFixed(4)}`,
    );
    console.log(`wrote ${join(out, 'model.json')}, card.json, trees.json (model ${modelVersion})`);
    return EXIT_OK;
  },
};
