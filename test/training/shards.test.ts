/**
 * Trees sharded across Train tasks: a forest trained as tree ranges (some on worker
 * threads) and merged is byte for byte the forest trained whole with the same seed; the
 * Map's items cut a forest only when it is too big for one task (or the run says so); a
 * merge with a missing, overlapping or differently trained shard is refused.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATEGORIES } from '#core/schema.ts';
import { parseFeaturesTsv } from '#core/training/features-table.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import { planRun, prepareSets } from '#core/training/prepare.ts';
import { byCandidate, shardRanges, trainItems } from '#core/training/shards.ts';
import { featuresTsv, type HandMadeUser } from './fixtures/weeks.ts';

/** Users whose return depends on pc, age and region together: trees with many different splits. */
function mixedWeek(n: number): { users: HandMadeUser[]; retained: number[] } {
  const regions = DEFAULT_CATEGORIES.region;
  const users = Array.from({ length: n }, (_, i) => {
    const h = Math.imul(i + 1, 0x9e3779b1) >>> 0;
    return { userId: i + 1, pc: h % 9, age: 18 + ((h >>> 8) % 50), region: regions[(h >>> 16) % regions.length]! };
  });
  const retained = users
    .filter((u, i) => u.pc * 3 + (u.age > 40 ? 5 : 0) + (u.region.length % 3) + (i % 5) > 14)
    .map((u) => u.userId);
  return { users, retained };
}

const { users, retained } = mixedWeek(4000);
const plan = planRun(forestEngine, { numTrees: 9, maxDepth: 6, seed: 11 }, {});
const { sets } = prepareSets(
  forestEngine,
  plan,
  '0',
  [parseFeaturesTsv(featuresTsv('0', users), 'f.tsv')],
  [new Set(retained)],
);
const params = plan.combinations[0]!.params; // one combination: the options given

describe('a forest trained in shards', () => {
  it('merges into the model trained whole, byte for byte', async () => {
    const whole = await forestEngine.train(sets.train, params, { threads: 1 });
    const ranges = shardRanges(9, 4);
    expect(ranges).toEqual([
      { from: 0, to: 4 },
      { from: 4, to: 8 },
      { from: 8, to: 9 },
    ]);
    const shards = [];
    // The middle shard on two worker threads, as a Train Lambda with two vCPUs builds it.
    for (const [k, trees] of ranges.entries())
      shards.push({
        trees,
        modelJson: (await forestEngine.train(sets.train, params, { threads: k === 1 ? 2 : 1, trees })).modelJson,
      });
    const merged = forestEngine.merge([...shards].reverse());
    expect(merged.modelJson).toBe(whole.modelJson);
    expect(merged.nodes).toBe(whole.nodes);
    expect(JSON.parse(shards[0]!.modelJson).trees).toHaveLength(4);
  });

  it('refuses shards that leave trees out, overlap or were trained differently', async () => {
    const shard = async (from: number, to: number, seed = 11) => ({
      trees: { from, to },
      modelJson: (await forestEngine.train(sets.train, { ...params, seed }, { trees: { from, to } })).modelJson,
    });
    const [a, b, c] = [await shard(0, 4), await shard(4, 9), await shard(5, 9)];
    expect(() => forestEngine.merge([a])).toThrow('shards hold 4 of 9 trees');
    expect(() => forestEngine.merge([a, c])).toThrow('shards leave trees [4, 5) out or overlap');
    expect(() => forestEngine.merge([a, b, c])).toThrow(/overlap/);
    const other = await shard(4, 9, 12);
    expect(() => forestEngine.merge([a, other])).toThrow('shard [4, 9) was trained differently');
    await expect(forestEngine.train(sets.train, params, { trees: { from: 3, to: 12 } })).rejects.toThrow(
      'tree range [3, 12) is not within a forest of 9 trees',
    );
  });
});

describe("the Map's items", () => {
  const grid = planRun(forestEngine, { numTrees: 20, maxDepth: [6, 10] }, {});

  it('are one per combination when each forest fits one task', () => {
    const items = trainItems(forestEngine, grid, 'run', 700_000);
    expect(items).toEqual([
      { runId: 'run', id: 'c0', params: { numTrees: 20, maxDepth: 6 } },
      { runId: 'run', id: 'c1', params: { numTrees: 20, maxDepth: 10 } },
    ]);
  });

  it('cut each forest into tree ranges past the tree-rows one task builds', () => {
    // 7M rows: 80M tree-rows a task is 11 trees, so 20 trees are [0, 11) and [11, 20).
    const items = trainItems(forestEngine, grid, 'run', 7_000_000);
    expect(items.map((i) => `${i.id} ${i.trees?.from}-${i.trees?.to}`)).toEqual([
      'c0 0-11',
      'c0 11-20',
      'c1 0-11',
      'c1 11-20',
    ]);
    expect(byCandidate(items.map((i) => ({ ...i }))).map((g) => g.length)).toEqual([2, 2]);
  });

  it("follow the run's treesPerShard, and refuse more tasks than the inline Map takes", () => {
    const cut = planRun(forestEngine, { numTrees: 20, treesPerShard: 7 }, {});
    expect(trainItems(forestEngine, cut, 'run', 100).map((i) => i.trees)).toEqual([
      { from: 0, to: 7 },
      { from: 7, to: 14 },
      { from: 14, to: 20 },
    ]);
    const tooMany = planRun(forestEngine, { numTrees: 100, maxDepth: [4, 5], treesPerShard: 2 }, {});
    expect(() => trainItems(forestEngine, tooMany, 'run', 100)).toThrow(/100 Train tasks .* at most 40/);
    expect(() => planRun(forestEngine, { treesPerShard: 0 })).toThrow(
      'params.treesPerShard must be a whole number ≥ 1',
    );
  });
});
