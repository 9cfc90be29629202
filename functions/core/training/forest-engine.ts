/**
 * The TrainingEngine the handlers use. Bound to the stand-in forest until the forest engine
 * (functions/core/forest/) lands; swapping is this file only.
 */
import type { TrainingEngine } from './engine.ts';
import { binaryMetrics } from './metrics.ts';
import { countNodes, exportStandInTrees, importanceStandIn, scoreStandIn, trainStandIn, type StandInModel } from './stand-in-forest.ts';

/** The last model parsed: prediction scores many batches with one model. */
let cached: { json: string; model: StandInModel } | undefined;

function load(modelJson: string): StandInModel {
  if (cached?.json === modelJson) return cached.model;
  const model = JSON.parse(modelJson) as StandInModel;
  if (model.formatVersion !== 1 || model.engine !== 'stand-in' || !Array.isArray(model.trees)) {
    throw new Error('model.json is not a model this engine reads (formatVersion 1, engine stand-in)');
  }
  cached = { json: modelJson, model };
  return model;
}

export const forestEngine: TrainingEngine = {
  async train(set, params) {
    const model = trainStandIn(set, params);
    return { modelJson: JSON.stringify(model), nodes: countNodes(model) };
  },
  score: (modelJson, set) => scoreStandIn(load(modelJson), set),
  metrics: binaryMetrics,
  featureImportance: (modelJson) => importanceStandIn(load(modelJson)),
  treesDocument: (modelJson, modelVersion) =>
    JSON.stringify({ formatVersion: 1, modelVersion, trees: exportStandInTrees(load(modelJson)) }),
  nodes: (modelJson) => countNodes(load(modelJson)),
};
