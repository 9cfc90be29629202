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
export { InvalidForestParams, resolveOptions } from './params.ts';
export { trainForest, trainForestSync } from './train.ts';
export { InvalidModelError, loadModel, serializeModel } from './model.ts';
export { UnknownCategoryError, scoreColumns, scoreNamed, validateNamedFeatures } from './score.ts';
export { MAX_ROC_POINTS, binaryMetrics } from './metrics.ts';
export { featureImportance } from './importance.ts';
export { countNodes, exportTrees } from './export.ts';
export type { TreeNode } from './export.ts';
export { ML_RANDOM_FOREST_MAX_ROWS } from './ml-engine.ts';
export { evaluateModel } from './evaluate.ts';
