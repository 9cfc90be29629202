/** A trained forest judged on a labelled set it did not see. */
import { binaryMetrics, type Metrics } from './metrics.ts';
import type { ForestModel } from './model.ts';
import { scoreColumns } from './score.ts';
import type { TrainingSet } from './train.ts';

export function evaluateModel(model: ForestModel, testSet: TrainingSet): Metrics {
  return binaryMetrics(testSet.labels.subarray(0, testSet.rows), scoreColumns(model, testSet.columns, testSet.rows));
}
