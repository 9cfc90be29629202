/**
 * A whole training run in one process, as `retention train` runs it: the steps the state
 * machine runs as tasks (Prepare, Train per combination, Evaluate with the gate, Publish's
 * card and trees), on data already read, with no current model to compare against.
 */
import type { ForestEngine } from '#core/forest/engine.ts';
import { publicationDocuments } from './card.ts';
import { evaluateCandidates, type CandidateModel, type Evaluated } from './evaluate.ts';
import type { FeatureTable } from './features-table.ts';
import { DEFAULT_GATE, type GateSettings } from './gate.ts';
import { prepareSets, type PreparedRun, type RunPlan, type RunSources } from './prepare.ts';
import type { PublishDocuments } from './publish-plan.ts';
import { modelVersion, trainingRunId } from './run-id.ts';

export interface InProcessRun {
  /** From planRun, with `params` the input it was planned from (part of the run id). */
  readonly plan: RunPlan;
  readonly params: unknown;
  readonly trainWeek: string;
  readonly labelWeek: string;
  readonly trainParts: readonly FeatureTable[];
  readonly labelParts: readonly ReadonlySet<number>[];
  readonly sources: RunSources;
  /** One per input read (name@content hash): the run id changes when an input does. */
  readonly fingerprints: readonly string[];
  readonly startedAt: Date;
  /** Worker threads for each forest's trees. */
  readonly threads: number;
  readonly gate?: GateSettings;
}

export interface InProcessResult {
  readonly runId: string;
  readonly version: string;
  readonly prepared: PreparedRun;
  readonly evaluated: Evaluated<CandidateModel>;
  readonly documents: PublishDocuments;
  /** Training and evaluating the candidates. */
  readonly trainSeconds: number;
}

export async function trainInProcess(engine: ForestEngine, run: InProcessRun): Promise<InProcessResult> {
  const prepared = prepareSets(engine, run.plan, run.trainWeek, run.trainParts, run.labelParts);
  const started = performance.now();
  const candidates: CandidateModel[] = [];
  for (const { id, params } of run.plan.combinations) {
    const trained = await engine.train(prepared.sets.train, params, { threads: run.threads });
    candidates.push({ id, params, ...trained });
  }
  const evaluated = evaluateCandidates(engine, prepared.sets.test, candidates, undefined, run.gate ?? DEFAULT_GATE);
  const trainSeconds = (performance.now() - started) / 1000;
  const { trainWeek, labelWeek } = run;
  const runId = trainingRunId({ trainWeek, labelWeek, params: run.params, sources: run.fingerprints });
  const version = modelVersion(runId, run.startedAt);
  const documents = publicationDocuments(engine, evaluated.winner.modelJson, {
    modelVersion: version,
    runId,
    trainedAt: run.startedAt.toISOString(),
    trainWeek,
    labelWeek,
    sources: run.sources,
    splitSeed: run.plan.splitSeed,
    dataStats: prepared.dataStats,
    metrics: evaluated.metrics,
    featureImportance: evaluated.featureImportance,
    candidates: evaluated.candidates,
    gate: evaluated.gate,
  });
  return { runId, version, prepared, evaluated, documents, trainSeconds };
}
