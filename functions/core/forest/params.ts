/**
 * Training options, with Spark MLlib's names and meanings (RandomForestClassifier), and their
 * checking. A run passes them as loose `{name: value}` records (CLI flags, Step Functions
 * input); `resolveOptions` turns that into a complete, checked ForestOptions.
 */

type Impurity = 'gini' | 'entropy';
/** 'auto' = 'sqrt' for a forest, 'all' for one tree (MLlib); a number in (0, 1] is a fraction of the features. */
type FeatureSubsetStrategy = 'auto' | 'all' | 'sqrt' | 'log2' | 'onethird' | number;
type EngineName = 'histogram' | 'ml-random-forest';

export interface ForestOptions {
  /** Trees in the forest (MLlib numTrees, default 20). */
  readonly numTrees: number;
  /** Deepest level of a node; 0 = a single leaf (MLlib maxDepth, default 10). */
  readonly maxDepth: number;
  /** Bins per continuous feature, at quantile edges of the training data (MLlib maxBins, default 32, 2..255). */
  readonly maxBins: number;
  /** A split is kept only when both children hold at least this many (bootstrap-weighted) rows (default 1). */
  readonly minInstancesPerNode: number;
  /** A split is kept only when its information gain is at least this (default 0). */
  readonly minInfoGain: number;
  /** Node impurity measure (default gini). */
  readonly impurity: Impurity;
  /** Features considered at each node (default auto). */
  readonly featureSubsetStrategy: FeatureSubsetStrategy;
  /** Rows drawn for each tree, as a share of the training rows (default 1). */
  readonly subsamplingRate: number;
  /** Draw rows with replacement (default true); without it each tree takes a subsample without replacement. */
  readonly bootstrap: boolean;
  /** Seed of every random choice: same data + same options → byte-identical model (default 7). */
  readonly seed: number;
  /** Which trainer builds the trees (default histogram). */
  readonly engine: EngineName;
}

const DEFAULT_OPTIONS: ForestOptions = Object.freeze({
  numTrees: 20,
  maxDepth: 10,
  maxBins: 32,
  minInstancesPerNode: 1,
  minInfoGain: 0,
  impurity: 'gini',
  featureSubsetStrategy: 'auto',
  subsamplingRate: 1,
  bootstrap: true,
  seed: 7,
  engine: 'histogram',
});

export type LooseParams = Readonly<Record<string, string | number | boolean | undefined>>;

/** Bad training options; the message names the option and what it accepts. */
export class InvalidForestParams extends Error {
  override readonly name = 'InvalidTrainingParams';
}

const STRATEGIES = ['auto', 'all', 'sqrt', 'log2', 'onethird'];

/** Fills defaults and checks every option; throws InvalidForestParams on a bad or unknown one. */
export function resolveOptions(params: LooseParams = {}): ForestOptions {
  const known = new Set(Object.keys(DEFAULT_OPTIONS));
  for (const name of Object.keys(params)) {
    if (!known.has(name))
      throw new InvalidForestParams(`unknown training option "${name}"; known: ${[...known].join(', ')}`);
  }
  const int = (name: keyof ForestOptions, min: number, max: number): number => {
    const raw = params[name] ?? DEFAULT_OPTIONS[name];
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidForestParams(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const num = (name: keyof ForestOptions, min: number, max: number, minOpen = false): number => {
    const raw = params[name] ?? DEFAULT_OPTIONS[name];
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value) || value > max || (minOpen ? value <= min : value < min)) {
      throw new InvalidForestParams(
        `${name} must be a number ${minOpen ? '>' : '≥'} ${min} and ≤ ${max}, got ${JSON.stringify(raw)}`,
      );
    }
    return value;
  };
  const impurity = params.impurity ?? DEFAULT_OPTIONS.impurity;
  if (impurity !== 'gini' && impurity !== 'entropy')
    throw new InvalidForestParams(`impurity must be gini or entropy, got ${JSON.stringify(impurity)}`);
  const engine = params.engine ?? DEFAULT_OPTIONS.engine;
  if (engine !== 'histogram' && engine !== 'ml-random-forest') {
    throw new InvalidForestParams(`engine must be histogram or ml-random-forest, got ${JSON.stringify(engine)}`);
  }
  const rawStrategy = params.featureSubsetStrategy ?? DEFAULT_OPTIONS.featureSubsetStrategy;
  let featureSubsetStrategy: FeatureSubsetStrategy;
  if (typeof rawStrategy === 'string' && STRATEGIES.includes(rawStrategy))
    featureSubsetStrategy = rawStrategy as FeatureSubsetStrategy;
  else {
    const fraction = typeof rawStrategy === 'string' && rawStrategy.trim() !== '' ? Number(rawStrategy) : rawStrategy;
    if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) {
      throw new InvalidForestParams(
        `featureSubsetStrategy must be auto, all, sqrt, log2, onethird or a fraction in (0, 1], got ${JSON.stringify(rawStrategy)}`,
      );
    }
    featureSubsetStrategy = fraction;
  }
  const rawBootstrap = params.bootstrap ?? DEFAULT_OPTIONS.bootstrap;
  if (rawBootstrap !== true && rawBootstrap !== false && rawBootstrap !== 'true' && rawBootstrap !== 'false') {
    throw new InvalidForestParams(`bootstrap must be true or false, got ${JSON.stringify(rawBootstrap)}`);
  }
  return {
    numTrees: int('numTrees', 1, 1000),
    maxDepth: int('maxDepth', 0, 30),
    maxBins: int('maxBins', 2, 255),
    minInstancesPerNode: int('minInstancesPerNode', 1, Number.MAX_SAFE_INTEGER),
    minInfoGain: num('minInfoGain', 0, 1),
    impurity,
    featureSubsetStrategy,
    subsamplingRate: num('subsamplingRate', 0, 1, true),
    bootstrap: rawBootstrap === true || rawBootstrap === 'true',
    seed: int('seed', 0, 2 ** 32 - 1),
    engine,
  };
}

/** How many features each node considers, out of `featureCount`. */
export function featuresPerNode(options: ForestOptions, featureCount: number): number {
  const s = options.featureSubsetStrategy;
  const d = featureCount;
  if (typeof s === 'number') return Math.max(1, Math.min(d, Math.ceil(s * d)));
  switch (s) {
    case 'all':
      return d;
    case 'sqrt':
      return Math.max(1, Math.ceil(Math.sqrt(d)));
    case 'log2':
      return Math.max(1, Math.ceil(Math.log2(d)));
    case 'onethird':
      return Math.max(1, Math.ceil(d / 3));
    default:
      return options.numTrees > 1 ? Math.max(1, Math.ceil(Math.sqrt(d))) : d;
  }
}
