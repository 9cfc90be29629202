/**
 * card.json (docs/formats.md): what a model is, how it was chosen and on what data. One
 * builder for the Publish task and `retention train`, so both cards have one shape.
 */
import type { ForestEngine, ModelDescription } from '#core/forest/engine.ts';
import type { FeatureImportance } from '#core/forest/importance.ts';
import type { Metrics } from '#core/forest/metrics.ts';
import type { TrainingStats } from '#core/forest/model.ts';
import type { ForestOptions } from '#core/forest/params.ts';
import type { CandidateSummary } from './evaluate.ts';
import type { GateDecision } from './gate.ts';
import type { DataStats, RunSources } from './prepare.ts';
import type { PublishDocuments } from './publish-plan.ts';

export interface CardInput {
  readonly modelVersion: string;
  readonly runId: string;
  readonly trainedAt: string;
  readonly trainWeek: string;
  readonly labelWeek: string;
  readonly sources: RunSources;
  readonly splitSeed: number;
  readonly dataStats: DataStats;
  readonly metrics: Metrics;
  readonly featureImportance: FeatureImportance[];
  readonly candidates: readonly CandidateSummary[];
  readonly gate: GateDecision;
}

export interface ModelCard {
  readonly formatVersion: 1;
  readonly modelVersion: string;
  readonly trainedAt: string;
  readonly trainWeek: string;
  readonly labelWeek: string;
  readonly runId: string;
  readonly sources: RunSources;
  /** The winner's options as the engine resolved them, and the run's split seed. */
  readonly params: ForestOptions & { readonly splitSeed: number };
  readonly metrics: Metrics;
  readonly featureImportance: FeatureImportance[];
  /** The train side as the model saw it (with per-feature statistics), the rest as Prepare counted. */
  readonly dataStats: Omit<DataStats, 'train'> & { readonly train: TrainingStats };
  readonly candidates: readonly CandidateSummary[];
  readonly gate: Pick<GateDecision, 'decision' | 'reason' | 'floor' | 'margin' | 'currentAuc'>;
}

export function buildCard(input: CardInput, model: ModelDescription): ModelCard {
  const { gate } = input;
  return {
    formatVersion: 1,
    modelVersion: input.modelVersion,
    trainedAt: input.trainedAt,
    trainWeek: input.trainWeek,
    labelWeek: input.labelWeek,
    runId: input.runId,
    sources: input.sources,
    params: { ...model.params, splitSeed: input.splitSeed },
    metrics: input.metrics,
    featureImportance: input.featureImportance,
    dataStats: { ...input.dataStats, train: model.training },
    candidates: input.candidates,
    gate: {
      decision: gate.decision,
      reason: gate.reason,
      floor: gate.floor,
      margin: gate.margin,
      ...(gate.currentAuc === undefined ? {} : { currentAuc: gate.currentAuc }),
    },
  };
}

/** model.json, card.json and trees.json of the winner, as Publish and `retention train` write them. */
export function publicationDocuments(engine: ForestEngine, modelJson: string, input: CardInput): PublishDocuments {
  const card = buildCard(input, engine.describe(modelJson));
  return {
    model: modelJson,
    card: JSON.stringify(card, null, 2) + '\n',
    trees: engine.treesDocument(modelJson, input.modelVersion),
  };
}
