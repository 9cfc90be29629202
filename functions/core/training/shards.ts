/**
 * How the Map divides a run: one item per (parameter combination × tree range). A Train
 * task builds its range's trees with each tree's randomness drawn from (seed, tree index),
 * so Evaluate joins a candidate's shards into exactly the forest one task would have built.
 * A forest is cut when its trees × rows pass what one Train Lambda builds well inside its
 * 15 minutes (docs/training.md, "Sizing"), or when the run's `treesPerShard` says so.
 */
import type { ForestEngine } from '#core/forest/engine.ts';
import type { TreeRange } from '#core/forest/train.ts';
import type { ForestParams } from './params.ts';
import { TrainingInputError, type RunPlan } from './prepare.ts';

/**
 * Tree-rows (trees × training rows) one Train task is given. Measured: 20 trees of depth 10
 * on 700k rows (14M tree-rows) took 33.5 s on this build machine's 2 loaded cores, so 80M
 * is about 3 minutes there: a 3× margin under Lambda's 15 minutes on slower vCPUs.
 */
export const DEFAULT_TREE_ROWS_PER_SHARD = 80_000_000;
/** The inline Map's items (the local emulator runs no Distributed Map). */
const MAX_MAP_ITEMS = 40;

/** One Map iteration: trains `params` (trees [from, to) of it when `trees` is set). */
export interface TrainItem {
  readonly runId: string;
  readonly id: string;
  readonly params: ForestParams;
  readonly trees?: TreeRange;
}

/** [0, numTrees) in consecutive ranges of at most `perShard` trees. */
export function shardRanges(numTrees: number, perShard: number): TreeRange[] {
  const ranges: TreeRange[] = [];
  for (let from = 0; from < numTrees; from += perShard) ranges.push({ from, to: Math.min(numTrees, from + perShard) });
  return ranges;
}

/** The Map's items for a run on `rows` training rows; a forest that fits one task is one item without `trees`. */
export function trainItems(
  engine: ForestEngine,
  plan: RunPlan,
  runId: string,
  rows: number,
  treeRowsPerShard = DEFAULT_TREE_ROWS_PER_SHARD,
): TrainItem[] {
  const perShard = plan.treesPerShard ?? Math.max(1, Math.floor(treeRowsPerShard / Math.max(1, rows)));
  const items = plan.combinations.flatMap(({ id, params }) => {
    const ranges = shardRanges(engine.treeCount(params), perShard);
    if (ranges.length === 1) return [{ runId, id, params: { ...params } }];
    return ranges.map((trees) => ({ runId, id, params: { ...params }, trees }));
  });
  if (items.length > MAX_MAP_ITEMS)
    throw new TrainingInputError(
      `${items.length} Train tasks (${plan.combinations.length} combinations, ≤ ${perShard} trees each): ` +
        `the inline Map takes at most ${MAX_MAP_ITEMS}; raise treesPerShard or try fewer combinations`,
    );
  return items;
}

/**
 * The Map's results by candidate, in the order each candidate first appears: one entry
 * per candidate with all its results (one, or one per shard).
 */
export function byCandidate<T extends { readonly id: string }>(results: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const result of results) {
    const group = groups.get(result.id);
    if (group) group.push(result);
    else groups.set(result.id, [result]);
  }
  return [...groups.values()];
}
