/**
 * A training run as the CLI and the Lambdas both do it: train a candidate, evaluate it on
 * the test set, try a grid of options, and describe the result in a model card.
 */
import { featureImportance, type FeatureImportance } from './importance.ts';
import { binaryMetrics, type Metrics } from './metrics.ts';
import type { ForestModel, TrainingStats } from './model.ts';
import type { LooseParams } from './params.ts';
import { scoreColumns } from './score.ts';
import { countNodes } from './export.ts';
import { trainForest, type TrainOptions, type TrainingSet } from './train.ts';

export async function trainCandidate(
  trainSet: TrainingSet,
  params: LooseParams = {},
  options: TrainOptions = {},
): Promise<ForestModel> {
  return trainForest(trainSet, params, options);
}

export function evaluateModel(model: ForestModel, testSet: TrainingSet): Metrics {
  return binaryMetrics(testSet.labels.subarray(0, testSet.rows), scoreColumns(model, testSet.columns, testSet.rows));
}

/**
 * Every combination of the listed values (cartesian product), each over `base`; options are
 * varied in the order given, the last fastest. `{numTrees: [10, 20], maxDepth: [6, 10]}` → 4.
 */
export function parameterGrid(
  lists: Readonly<Record<string, readonly (string | number | boolean)[]>>,
  base: LooseParams = {},
): LooseParams[] {
  let out: LooseParams[] = [{ ...base }];
  for (const [name, values] of Object.entries(lists)) {
    if (values.length === 0) throw new Error(`parameterGrid: ${name} lists no value`);
    out = out.flatMap((params) => values.map((value) => ({ ...params, [name]: value })));
  }
  return out;
}

/** The CLI's --grid: trees × depth × feature subset. */
export const CLI_GRID = Object.freeze({
  numTrees: [20, 50],
  maxDepth: [6, 10, 14],
  featureSubsetStrategy: ['sqrt', 'onethird'],
});

export interface Candidate {
  readonly id: string;
  readonly params: LooseParams;
  readonly model: ForestModel;
  readonly metrics: Metrics;
  readonly nodes: number;
}

/** Trains and evaluates each combination; the best test AUC wins, ties to the fewer nodes, then the earlier. */
export async function trainGrid(
  trainSet: TrainingSet,
  testSet: TrainingSet,
  grid: readonly LooseParams[],
  options: TrainOptions = {},
): Promise<{ best: Candidate; candidates: Candidate[] }> {
  const candidates: Candidate[] = [];
  for (const [i, params] of grid.entries()) {
    const model = await trainCandidate(trainSet, params, options);
    candidates.push({ id: `c${i}`, params, model, metrics: evaluateModel(model, testSet), nodes: countNodes(model) });
  }
  const best = candidates.reduce((a, b) =>
    b.metrics.auc > a.metrics.auc || (b.metrics.auc === a.metrics.auc && b.nodes < a.nodes) ? b : a,
  );
  return { best, candidates };
}

export interface CardInput {
  readonly model: ForestModel;
  readonly metrics: Metrics;
  readonly modelVersion: string;
  readonly trainedAt: string;
  readonly trainWeek: string;
  readonly labelWeek: string;
  readonly sources?: unknown[];
  readonly testStats?: { rows: number; retained: number; notRetained: number };
  readonly candidates?: readonly Candidate[];
  readonly gate?: { decision: string; reason: string; floor: number; margin: number; currentAuc?: number };
}

export interface ModelCard {
  formatVersion: 1;
  modelVersion: string;
  trainedAt: string;
  trainWeek: string;
  labelWeek: string;
  sources: unknown[];
  params: ForestModel['params'];
  metrics: Metrics;
  featureImportance: FeatureImportance[];
  dataStats: { train: TrainingStats; test?: { rows: number; retained: number; notRetained: number } };
  candidates?: { id: string; params: LooseParams; auc: number; errorRate: number; nodes: number }[];
  gate?: CardInput['gate'];
}

/** card.json (docs/formats.md). */
export function buildCard(input: CardInput): ModelCard {
  const card: ModelCard = {
    formatVersion: 1,
    modelVersion: input.modelVersion,
    trainedAt: input.trainedAt,
    trainWeek: input.trainWeek,
    labelWeek: input.labelWeek,
    sources: input.sources ?? [],
    params: input.model.params,
    metrics: input.metrics,
    featureImportance: featureImportance(input.model),
    dataStats: { train: input.model.training, ...(input.testStats ? { test: input.testStats } : {}) },
  };
  if (input.candidates) {
    card.candidates = input.candidates.map((c) => ({
      id: c.id,
      params: c.params,
      auc: c.metrics.auc,
      errorRate: c.metrics.errorRate,
      nodes: c.nodes,
    }));
  }
  if (input.gate) card.gate = input.gate;
  return card;
}
