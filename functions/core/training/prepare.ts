/**
 * Prepare, the first step of a training run (the Prepare task and `retention train` alike).
 * The plan comes first: the run's `params` read over a default grid and every combination
 * checked with the engine's own option checks, so a bad option fails before anything is
 * read or written (not in each Train task after the data sets are written). Then the train
 * week's parts are merged, labelled by the label week's active users and split 70/30.
 */
import type { ForestEngine } from '#core/forest/engine.ts';
import type { ActiveUsers } from './active-users.ts';
import type { FeatureTable } from './features-table.ts';
import { labelStats, type LabelStats, type PreparedSets } from './labels.ts';
import { splitParts } from './split-parts.ts';
import {
  DEFAULT_GRID,
  parameterCombinations,
  readRunParams,
  type Combination,
  type ParamValue,
  type RunParams,
} from './params.ts';

/** Input the flow cannot train on: failing again will not help (no Retry matches it). */
export class TrainingInputError extends Error {
  override readonly name = 'TrainingInputError';
}

export interface RunPlan extends RunParams {
  readonly combinations: Combination[];
}

/** Throws TrainingInputError on a bad `params` shape, the engine's InvalidForestParams on a bad option. */
export function planRun(
  engine: ForestEngine,
  input: unknown,
  defaults: Readonly<Record<string, readonly ParamValue[]>> = DEFAULT_GRID,
): RunPlan {
  let plan: RunPlan;
  try {
    const run = readRunParams(input, defaults);
    plan = { ...run, combinations: parameterCombinations(run.grid) };
  } catch (error) {
    throw new TrainingInputError((error as Error).message);
  }
  for (const combination of plan.combinations) engine.check(combination.params);
  return plan;
}

export interface DataStats {
  readonly train: LabelStats;
  readonly test: LabelStats;
  readonly trainWeekUsers: number;
  readonly labelWeekActiveUsers: number;
}

export interface PreparedRun {
  readonly sets: PreparedSets;
  readonly dataStats: DataStats;
}

/**
 * The labelled, split sets of a run: `trainParts` are the train week's feature tables (one
 * per extracted part; consumed: their columns are released as they are copied, so the
 * parts and the sets are never both whole in memory), `labelParts` the label week's active
 * users (one set per part, or all parts' in one ActiveUsers).
 */
export function prepareSets(
  engine: ForestEngine,
  plan: RunPlan,
  trainWeek: string,
  trainParts: readonly FeatureTable[],
  labelParts: readonly ReadonlySet<number>[] | ActiveUsers,
): PreparedRun {
  const active = Array.isArray(labelParts) ? union(labelParts) : (labelParts as ActiveUsers);
  const sets = splitParts(trainParts, active, plan.splitSeed);
  if (sets.train.rows === 0 || sets.test.rows === 0) {
    throw new TrainingInputError(
      `week ${trainWeek} gives ${sets.train.rows} training and ${sets.test.rows} test rows: too few to train`,
    );
  }
  // Some engines also bound the rows they train.
  for (const combination of plan.combinations) engine.check(combination.params, sets.train.rows);
  const dataStats = {
    train: labelStats(sets.train),
    test: labelStats(sets.test),
    trainWeekUsers: sets.train.rows + sets.test.rows,
    labelWeekActiveUsers: active.size,
  };
  return { sets, dataStats };
}

function union(sets: readonly ReadonlySet<number>[]): ReadonlySet<number> {
  const [only] = sets;
  if (sets.length === 1 && only) return only;
  const all = new Set<number>();
  for (const set of sets) for (const id of set) all.add(id);
  return all;
}

/** Where a run's data came from: the objects (or files) read, and the manifests beside them. */
export interface RunSources {
  readonly trainWeek: readonly string[];
  readonly labelWeek: readonly string[];
  readonly manifests: readonly { readonly key: string; readonly manifest: unknown }[];
}

/** prepared.json: what Prepare read and counted, for Publish's card and for people. */
export interface PreparedRecord {
  readonly formatVersion: 1;
  readonly runId: string;
  readonly trainWeek: string;
  readonly labelWeek: string;
  readonly trainedAt: string;
  readonly splitSeed: number;
  readonly grid: RunParams['grid'];
  readonly dataStats: DataStats;
  readonly sources: RunSources;
}
