/** Where the training flow keeps its objects (docs/formats.md, "Data bucket layout"). */
import type { WeekId } from '#core/weeks.ts';

export const trainingKeys = (runId: string) => ({
  prefix: `training/${runId}/`,
  train: `training/${runId}/train.bin`,
  test: `training/${runId}/test.bin`,
  /** What Prepare read and counted: sources, data stats, combinations. */
  prepared: `training/${runId}/prepared.json`,
  candidateModel: (id: string) => `training/${runId}/candidates/${id}/model.json`,
  /** Trees [from, to) of a candidate trained in shards; Evaluate joins them into model.json. */
  candidateShard: (id: string, trees: { from: number; to: number }) =>
    `training/${runId}/candidates/${id}/trees-${trees.from}-${trees.to}.json`,
  evaluation: `training/${runId}/evaluation.json`,
  rejected: `training/${runId}/rejected.json`,
});

export const extractedPrefix = (week: WeekId) => `extracted/week=${week}/`;
export const completeMarkerKey = (week: WeekId) => `extracted/week=${week}/_COMPLETE.json`;

/** `extracted/week=<W>/_COMPLETE.json` → W; undefined for any other key. */
export function weekOfCompleteMarker(key: string): WeekId | undefined {
  const match = /^extracted\/week=([^/]+)\/_COMPLETE\.json$/.exec(key);
  return match ? match[1] : undefined;
}

export const CURRENT_MODEL_KEY = 'models/current.json';
export const modelKeys = (version: string) => ({
  model: `models/${version}/model.json`,
  card: `models/${version}/card.json`,
  trees: `models/${version}/trees.json`,
});
export const SITE_KEYS = { trees: 'data/trees.json', card: 'data/card.json' } as const;
