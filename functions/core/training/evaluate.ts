/**
 * Evaluate, the step after training (the Evaluate task and `retention train` alike): every
 * candidate scored on the run's test set, the winner picked, the gate's decision against
 * the current model, and the winner's metrics and feature importance for the card.
 */
import type { ForestEngine } from '#core/forest/engine.ts';
import type { FeatureImportance } from '#core/forest/importance.ts';
import type { Metrics } from '#core/forest/metrics.ts';
import { decideGateAgainst, type CurrentModelScore, type GateDecision, type GateSettings } from './gate.ts';
import type { LabelledSet } from './labels.ts';
import type { ForestParams } from './params.ts';
import { pickBest } from './selection.ts';

export interface CandidateModel {
  readonly id: string;
  readonly params: ForestParams;
  readonly nodes: number;
  /** model.json text. */
  readonly modelJson: string;
}

/** One line of the card's candidates table. */
export interface CandidateSummary {
  readonly id: string;
  readonly params: ForestParams;
  readonly auc: number;
  readonly errorRate: number;
  readonly nodes: number;
}

export interface Evaluated<C extends CandidateModel> {
  readonly winner: C;
  readonly best: CandidateSummary;
  /** Every candidate, in the order given. */
  readonly candidates: CandidateSummary[];
  /** The current model, when it could be compared. */
  readonly current?: { readonly version: string; readonly auc: number };
  readonly gate: GateDecision;
  /** The winner's. */
  readonly metrics: Metrics;
  readonly featureImportance: FeatureImportance[];
}

export function evaluateCandidates<C extends CandidateModel>(
  engine: ForestEngine,
  test: LabelledSet,
  candidates: readonly C[],
  current: CurrentModelScore | undefined,
  gate: GateSettings,
): Evaluated<C> {
  const scored = candidates.map((candidate) => {
    const metrics = engine.metrics(test.labels, engine.score(candidate.modelJson, test));
    return { candidate, metrics, id: candidate.id, auc: metrics.auc, nodes: candidate.nodes };
  });
  const summary = (c: (typeof scored)[number]): CandidateSummary => ({
    id: c.id,
    params: c.candidate.params,
    auc: c.auc,
    errorRate: c.metrics.errorRate,
    nodes: c.nodes,
  });
  const winner = pickBest(scored);
  return {
    winner: winner.candidate,
    best: summary(winner),
    candidates: scored.map(summary),
    ...(current?.auc !== undefined ? { current: { version: current.version, auc: current.auc } } : {}),
    gate: decideGateAgainst(winner.auc, current, gate),
    metrics: winner.metrics,
    featureImportance: engine.featureImportance(winner.candidate.modelJson),
  };
}

/** The current model's AUC on this run's test set, or why the engine cannot read it. */
export function scoreCurrentModel(
  engine: ForestEngine,
  version: string,
  modelJson: string,
  test: LabelledSet,
): CurrentModelScore {
  let probabilities: Float64Array;
  try {
    probabilities = engine.score(modelJson, test);
  } catch (error) {
    return { version, auc: undefined, unreadable: (error as Error).message };
  }
  return { version, auc: engine.metrics(test.labels, probabilities).auc, unreadable: undefined };
}
