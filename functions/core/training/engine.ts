/**
 * What the training flow needs from the forest engine (functions/core/forest/), in one
 * interface, so the handlers read the same whichever engine trains. forest-engine.ts binds
 * it to the engine.
 */
import type { ForestParams } from './params.ts';
import type { LabelledSet } from './labels.ts';
import type { Metrics } from '../forest/metrics.ts';

/** The forest engine's metrics (ROC AUC, error rates, confusion, ROC points…). */
export type { Metrics };

export interface FeatureImportance {
  readonly feature: string;
  readonly importance: number;
}

export interface TrainedModel {
  /** model.json text, as the forest engine writes it. */
  readonly modelJson: string;
  /** Nodes over all trees: the size ties are broken on. */
  readonly nodes: number;
}

export interface TrainingEngine {
  /** Trains one forest on all the cores `threads` allows; `workerUrl` is the bundled worker script. */
  train(
    set: LabelledSet,
    params: ForestParams,
    options: { workerUrl?: string | URL; threads?: number },
  ): Promise<TrainedModel>;
  /** Probability of class 1 for every row of `set`. */
  score(modelJson: string, set: LabelledSet): Float64Array;
  metrics(labels: Uint8Array, probabilities: Float64Array): Metrics;
  featureImportance(modelJson: string): FeatureImportance[];
  /** trees.json text (docs/formats.md) for the given version. */
  treesDocument(modelJson: string, modelVersion: string): string;
  /** Total nodes of a stored model. */
  nodes(modelJson: string): number;
}
