/**
 * The histogram engine bound to the training flow's TrainingEngine interface
 * (functions/core/training/engine.ts): what forest-engine.ts there swaps in for its
 * stand-in. Model text in, model text out; the last model parsed is kept.
 */
import type { TrainingEngine } from '../training/engine.ts';
import { countNodes, treesDocument } from './export.ts';
import { featureImportance } from './importance.ts';
import { binaryMetrics } from './metrics.ts';
import { loadModel, serializeModel, type ForestModel } from './model.ts';
import { scoreColumns } from './score.ts';
import { trainForest } from './train.ts';

let cached: { json: string; model: ForestModel } | undefined;

/** loadModel with a one-model cache: prediction scores many batches with one model. */
export function loadModelCached(json: string): ForestModel {
  if (cached?.json !== json) cached = { json, model: loadModel(json) };
  return cached.model;
}

export const histogramEngine: TrainingEngine = {
  async train(set, params, options) {
    const model = await trainForest(set, params, {
      workers: options.threads ?? 1,
      ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}),
    });
    return { modelJson: serializeModel(model), nodes: countNodes(model) };
  },
  score: (modelJson, set) => scoreColumns(loadModelCached(modelJson), set.columns, set.rows),
  metrics: (labels, probabilities) => binaryMetrics(labels, probabilities),
  featureImportance: (modelJson) => featureImportance(loadModelCached(modelJson)),
  treesDocument: (modelJson, modelVersion) => JSON.stringify(treesDocument(loadModelCached(modelJson), modelVersion)),
  nodes: (modelJson) => countNodes(loadModelCached(modelJson)),
};
