/**
 * The parameter combinations one training run tries. A run's input `params` maps an option
 * of the forest engine (MLlib names: numTrees, maxDepth, ...) to one value or to a list of
 * values to try; the combinations are the cartesian product over the default grid with the
 * given options replacing their defaults. The split seed is not an engine option: it is
 * `splitSeed` and applies to the whole run, as does `treesPerShard` (how Train tasks divide
 * each forest: never what the forest is).
 */

export type ParamValue = string | number | boolean;
export type ForestParams = Readonly<Record<string, ParamValue>>;

export interface Combination {
  /** Stable id within a run: c0, c1, ... in grid order. */
  readonly id: string;
  readonly params: ForestParams;
}

export interface RunParams {
  readonly splitSeed: number;
  /** Trees each Train task builds (shards.ts); undefined: sized from the rows. */
  readonly treesPerShard?: number;
  readonly grid: Readonly<Record<string, readonly ParamValue[]>>;
}

/** Defaults: a small grid a Lambda trains in well under a minute at 100k users. */
export const DEFAULT_GRID: Readonly<Record<string, readonly ParamValue[]>> = Object.freeze({
  numTrees: [20],
  maxDepth: [6, 10],
  maxBins: [32],
  featureSubsetStrategy: ['sqrt', 'onethird'],
  seed: [7],
});

export const DEFAULT_SPLIT_SEED = 7;
/** Bounds that keep one Train Lambda inside its limits; a bigger run is a configuration error. */
const MAX_COMBINATIONS = 32;

/**
 * Reads a run's `params` input over a default grid (`{}` makes exactly the options given one
 * combination, as `retention train` without --grid); throws a readable error on a bad shape.
 */
export function readRunParams(input: unknown, defaults: RunParams['grid'] = DEFAULT_GRID): RunParams {
  if (input === undefined || input === null) return { splitSeed: DEFAULT_SPLIT_SEED, grid: defaults };
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new Error(`params must be an object of option → value or list of values, got ${JSON.stringify(input)}`);
  }
  const grid: Record<string, readonly ParamValue[]> = { ...defaults };
  let splitSeed = DEFAULT_SPLIT_SEED;
  let treesPerShard: number | undefined;
  for (const [name, raw] of Object.entries(input)) {
    if (name === 'splitSeed') {
      if (!Number.isInteger(raw)) throw new Error(`params.splitSeed must be an integer, got ${JSON.stringify(raw)}`);
      splitSeed = raw as number;
      continue;
    }
    if (name === 'treesPerShard') {
      if (!Number.isInteger(raw) || (raw as number) < 1)
        throw new Error(`params.treesPerShard must be a whole number ≥ 1, got ${JSON.stringify(raw)}`);
      treesPerShard = raw as number;
      continue;
    }
    const values = Array.isArray(raw) ? raw : [raw];
    if (values.length === 0) throw new Error(`params.${name} lists no value`);
    for (const v of values) {
      if (!['string', 'number', 'boolean'].includes(typeof v)) {
        throw new Error(
          `params.${name} must be a string, number or boolean (or a list of them), got ${JSON.stringify(v)}`,
        );
      }
    }
    grid[name] = values as ParamValue[];
  }
  return treesPerShard === undefined ? { splitSeed, grid } : { splitSeed, treesPerShard, grid };
}

/** The cartesian product of the grid, in a stable order (option names sorted, values as given). */
export function parameterCombinations(grid: RunParams['grid']): Combination[] {
  const lists = Object.entries(grid).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let rows: Record<string, ParamValue>[] = [{}];
  for (const [name, values] of lists) {
    rows = rows.flatMap((row) => values.map((value) => ({ ...row, [name]: value })));
  }
  if (rows.length > MAX_COMBINATIONS) {
    throw new Error(`params make ${rows.length} combinations; at most ${MAX_COMBINATIONS} are allowed in one run`);
  }
  return rows.map((params, i) => ({ id: `c${i}`, params }));
}
