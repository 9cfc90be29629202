/**
 * The forest as the rest of the product uses it: model text in, model text out. Training
 * (the command line and the Step Functions tasks) and prediction call this interface, so
 * they read the same whichever trainer built the model; training-engine.ts binds it.
 */
import type { Contributions } from './contributions.ts';
import type { FeatureImportance } from './importance.ts';
import type { Metrics } from './metrics.ts';
import type { TrainingStats } from './model.ts';
import type { ForestOptions, LooseParams } from './params.ts';
import type { ForestShard } from './merge.ts';
import type { TrainingSet, TreeRange } from './train.ts';

interface TrainedModel {
  /** model.json text, as the forest engine writes it. */
  readonly modelJson: string;
  /** Nodes over all trees: the size ties are broken on. */
  readonly nodes: number;
}

/** What a stored model says about its own training: the resolved options and the data it saw. */
export interface ModelDescription {
  readonly params: ForestOptions;
  readonly training: TrainingStats;
}

/** Rows to score: the feature columns in schema order. */
type ScoringSet = Pick<TrainingSet, 'rows' | 'columns'>;

export interface ForestEngine {
  /**
   * Trains one forest on up to `threads` worker threads; `workerUrl` is the bundled worker
   * script. With `trees`, only those trees (a shard, which `merge` joins with the others).
   */
  train(
    set: TrainingSet,
    params: LooseParams,
    options: { workerUrl?: string | URL; threads?: number; trees?: TreeRange },
  ): Promise<TrainedModel>;
  /** The trees a forest with these options has (what shards divide). */
  treeCount(params: LooseParams): number;
  /** One model from shards covering all its trees: byte for byte the model trained whole. */
  merge(shards: readonly ForestShard[]): TrainedModel;
  /**
   * Throws InvalidForestParams when these options cannot train (on `rows` rows, when given):
   * the checks training itself makes, for callers that must fail before doing any work.
   */
  check(params: LooseParams, rows?: number): void;
  /** Probability of class 1 for every row of `set`. */
  score(modelJson: string, set: ScoringSet): Float64Array;
  /** The same probabilities with each feature's contribution to them (contributions.ts): the reasons. */
  explain(modelJson: string, set: ScoringSet): Contributions;
  metrics(labels: Uint8Array, probabilities: Float64Array): Metrics;
  featureImportance(modelJson: string): FeatureImportance[];
  describe(modelJson: string): ModelDescription;
  /** trees.json text (docs/formats.md) for the given version. */
  treesDocument(modelJson: string, modelVersion: string): string;
  /** Total nodes of a stored model. */
  nodes(modelJson: string): number;
}
