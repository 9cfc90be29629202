/**
 * The forest engine: a histogram random forest in pure TypeScript, its model
 * format, scorer, metrics and tree export. Public API; see each module for the details.
 *
 *   const model = await trainForest(trainSet, { numTrees: 20, maxDepth: 10 }, { workers: 2 });
 *   const metrics = evaluateModel(model, testSet);
 *   const json = serializeModel(model);            // model.json
 *   const again = loadModel(json);                 // validates; InvalidModelError
 *   scoreColumns(again, testSet.columns);          // Float64Array of P(retained)
 *   scoreNamed(again, { industry: 'BANK', …, gender: 1, age: 34 });
 *   validateNamedFeatures(again, record);          // reason string, or undefined when fine
 *   treesDocument(again, 'v1');                    // trees.json
 *
 * The rest of the product goes through ForestEngine (engine.ts; histogramEngine binds it):
 * model text in, model text out.
 */
export { DEFAULT_OPTIONS, InvalidForestParams, featuresPerNode, resolveOptions } from './params.ts';
export type { EngineName, FeatureSubsetStrategy, ForestOptions, Impurity, LooseParams } from './params.ts';
export { binColumns, binOf, quantileThresholds } from './binning.ts';
export type { BinnedData, FeatureInfo } from './binning.ts';
export { impurityOf, trainTree } from './tree.ts';
export type { FlatTree } from './tree.ts';
export { DEFAULT_WORKER_URL, trainForest, trainForestSync } from './train.ts';
export type { TrainOptions, TrainingSet } from './train.ts';
export { InvalidModelError, MODEL_FORMAT_VERSION, loadModel, productSchema, serializeModel } from './model.ts';
export type { FeatureStats, ForestModel, TrainingStats } from './model.ts';
export { UnknownCategoryError, encodeNamed, scoreColumns, scoreNamed, validateNamedFeatures } from './score.ts';
export type { NamedFeatures } from './score.ts';
export { MAX_ROC_POINTS, binaryMetrics } from './metrics.ts';
export type { Confusion, Metrics } from './metrics.ts';
export { featureImportance } from './importance.ts';
export type { FeatureImportance } from './importance.ts';
export { conditionText, countNodes, exportTree, exportTrees, treesDocument } from './export.ts';
export type { TreeNode, TreesDocument } from './export.ts';
export { ML_RANDOM_FOREST_MAX_ROWS } from './ml-engine.ts';
export { evaluateModel } from './evaluate.ts';
export type { ForestEngine, ModelDescription, ScoringSet, TrainedModel } from './engine.ts';
export { histogramEngine } from './training-engine.ts';
