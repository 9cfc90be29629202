/**
 * The histogram engine bound to the ForestEngine interface (engine.ts). Model text in,
 * model text out; the last model trained or parsed is kept, since callers ask several
 * questions of one model in a row (score, then importance, then trees).
 */
import { contributionColumns } from './contributions.ts';
import type { ForestEngine } from './engine.ts';
import { countNodes, treesDocument } from './export.ts';
import { featureImportance } from './importance.ts';
import { binaryMetrics } from './metrics.ts';
import { checkMlRandomForest } from './ml-engine.ts';
import { mergeShards } from './merge.ts';
import { loadModel, serializeModel, type ForestModel } from './model.ts';
import { resolveOptions } from './params.ts';
import { scoreColumns } from './score.ts';
import { trainForest } from './train.ts';

let cached: { json: string; model: ForestModel } | undefined;

/** loadModel with a one-model cache: prediction scores many batches with one model. */
function loadModelCached(json: string): ForestModel {
  if (cached?.json !== json) cached = { json, model: loadModel(json) };
  return cached.model;
}

/** Whoever trained (or merged) in this process asks about the model next: no need to parse it back. */
function remembered(model: ForestModel): { modelJson: string; nodes: number } {
  const modelJson = serializeModel(model);
  cached = { json: modelJson, model };
  return { modelJson, nodes: countNodes(model) };
}

export const histogramEngine: ForestEngine = {
  async train(set, params, options) {
    const model = await trainForest(set, params, {
      workers: options.threads ?? 1,
      ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}),
      ...(options.trees ? { trees: options.trees } : {}),
    });
    return remembered(model);
  },
  treeCount: (params) => resolveOptions(params).numTrees,
  merge: (shards) => remembered(mergeShards(shards)),
  check(params, rows) {
    const options = resolveOptions(params);
    if (options.engine === 'ml-random-forest') checkMlRandomForest(options, rows);
  },
  score: (modelJson, set) => scoreColumns(loadModelCached(modelJson), set.columns, set.rows),
  explain: (modelJson, set) => contributionColumns(loadModelCached(modelJson), set.columns, set.rows),
  metrics: (labels, probabilities) => binaryMetrics(labels, probabilities),
  featureImportance: (modelJson) => featureImportance(loadModelCached(modelJson)),
  describe(modelJson) {
    const model = loadModelCached(modelJson);
    return { params: model.params, training: model.training };
  },
  treesDocument: (modelJson, modelVersion) => JSON.stringify(treesDocument(loadModelCached(modelJson), modelVersion)),
  nodes: (modelJson) => countNodes(loadModelCached(modelJson)),
};
