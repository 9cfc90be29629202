/**
 * Joining a forest trained in shards (trees [from, to) each, train.ts `trees`) into the one
 * model a single run would have written: every tree depends only on (data, options, index),
 * so the shards' trees in index order, with the shared schema, options and statistics, are
 * that model, and serializeModel gives the same bytes.
 */
import { loadModel, type ForestModel } from './model.ts';
import type { TreeRange } from './train.ts';

export interface ForestShard {
  readonly trees: TreeRange;
  /** model.json text of the shard: the forest's header with only its own trees. */
  readonly modelJson: string;
}

/** Throws when the shards do not cover [0, numTrees) exactly once or disagree on anything but their trees. */
export function mergeShards(shards: readonly ForestShard[]): ForestModel {
  const ordered = [...shards].sort((a, b) => a.trees.from - b.trees.from);
  const models = ordered.map((shard) => loadModel(shard.modelJson));
  const [first] = models;
  if (!first) throw new Error('no shards to merge');
  const header = (m: ForestModel) => JSON.stringify([m.formatVersion, m.engine, m.schema, m.params, m.training]);
  const expected = header(first);
  let next = 0;
  ordered.forEach(({ trees }, i) => {
    const model = models[i]!; // models has one entry per shard
    if (trees.from !== next) throw new Error(`shards leave trees [${next}, ${trees.from}) out or overlap`);
    if (model.trees.length !== trees.to - trees.from)
      throw new Error(`shard [${trees.from}, ${trees.to}) holds ${model.trees.length} trees`);
    if (header(model) !== expected) throw new Error(`shard [${trees.from}, ${trees.to}) was trained differently`);
    next = trees.to;
  });
  if (next !== first.params.numTrees) throw new Error(`shards hold ${next} of ${first.params.numTrees} trees`);
  const { formatVersion, engine, schema, params, training } = first;
  return { formatVersion, engine, schema, params, training, trees: models.flatMap((m) => m.trees) };
}
