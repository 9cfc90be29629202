/**
 * Prepare (training state machine): merges the train week's extracted parts, labels each
 * user by presence in the label week's active users, splits 70/30 by user hash and seed,
 * writes train.bin / test.bin / prepared.json under training/<runId>/, and returns the
 * parameter combinations the Map trains.
 */
import { parseActiveUsers, parseFeaturesTsv, mergeFeatureTables } from '../core/training/features-table.ts';
import { labelAndSplit, labelStats } from '../core/training/labels.ts';
import { encodeDataset } from '../core/training/dataset-file.ts';
import { parameterCombinations, readRunParams } from '../core/training/params.ts';
import { trainingRunId } from '../core/training/run-id.ts';
import { trainingKeys } from '../core/training/keys.ts';
import { parseWeekId } from '../core/weeks.ts';
import { Logger } from '@aws-lambda-powertools/logger';
import { TrainingStore, requireEnv } from '../aws/training-store.ts';
import { weekSources, type WeekSources } from '../aws/training-sources.ts';

export interface PrepareInput {
  readonly trainWeek: string;
  readonly labelWeek: string;
  readonly params?: unknown;
}

export interface PrepareOutput {
  readonly runId: string;
  readonly trainWeek: string;
  readonly labelWeek: string;
  readonly trainedAt: string;
  readonly combinations: { runId: string; id: string; params: Record<string, string | number | boolean> }[];
  readonly stats: { train: ReturnType<typeof labelStats>; test: ReturnType<typeof labelStats> };
}

/** Input the flow cannot train on: failing again will not help (no Retry matches it). */
export class TrainingInputError extends Error {
  override readonly name = 'TrainingInputError';
}

const store = new TrainingStore();
const logger = new Logger();

export async function handler(event: PrepareInput): Promise<PrepareOutput> {
  const bucket = requireEnv('DATA_BUCKET');
  const trainWeek = checkedWeek(event.trainWeek, 'trainWeek');
  const labelWeek = checkedWeek(event.labelWeek, 'labelWeek');
  let runParams;
  try {
    runParams = readRunParams(event.params);
  } catch (error) {
    throw new TrainingInputError((error as Error).message);
  }
  const combinationsList = parameterCombinations(runParams.grid);
  const [train, label] = await Promise.all([
    weekSources(store, bucket, trainWeek),
    weekSources(store, bucket, labelWeek),
  ]);
  requireParts(train, 'features');
  requireParts(label, 'activeUsers');
  const runId = trainingRunId({
    trainWeek,
    labelWeek,
    params: event.params,
    sources: [...train.fingerprints, ...label.fingerprints],
  });
  const keys = trainingKeys(runId);

  const tables = [];
  for (const part of train.parts)
    tables.push(parseFeaturesTsv(await store.getText(bucket, part.features!), part.features!));
  const active = new Set<number>();
  for (const part of label.parts)
    for (const id of parseActiveUsers(await store.getText(bucket, part.activeUsers!))) active.add(id);
  const sets = labelAndSplit(mergeFeatureTables(tables), active, runParams.splitSeed);
  if (sets.train.rows === 0 || sets.test.rows === 0) {
    throw new TrainingInputError(
      `week ${trainWeek} gives ${sets.train.rows} training and ${sets.test.rows} test rows: too few to train`,
    );
  }
  const stats = { train: labelStats(sets.train), test: labelStats(sets.test) };
  const manifests = await Promise.all(
    [...train.parts, ...label.parts]
      .filter((p) => p.manifest)
      .map(async (p) => ({
        key: p.manifest!.key,
        manifest: JSON.parse(await store.getText(bucket, p.manifest!.key)) as unknown,
      })),
  );
  const trainedAt = new Date().toISOString();
  const prepared = {
    formatVersion: 1,
    runId,
    trainWeek,
    labelWeek,
    trainedAt,
    splitSeed: runParams.splitSeed,
    grid: runParams.grid,
    dataStats: { ...stats, trainWeekUsers: sets.train.rows + sets.test.rows, labelWeekActiveUsers: active.size },
    sources: {
      trainWeek: train.parts.map((p) => p.features),
      labelWeek: label.parts.map((p) => p.activeUsers),
      manifests,
    },
  };
  await Promise.all([
    store.put(bucket, keys.train, encodeDataset(sets.train), 'application/octet-stream'),
    store.put(bucket, keys.test, encodeDataset(sets.test), 'application/octet-stream'),
    store.put(bucket, keys.prepared, JSON.stringify(prepared, null, 2) + '\n'),
  ]);
  logger.info('prepared', {
    runId,
    trainWeek,
    labelWeek,
    parts: train.parts.length,
    ...stats,
    combinations: combinationsList.length,
  });
  return {
    runId,
    trainWeek,
    labelWeek,
    trainedAt,
    combinations: combinationsList.map((c) => ({ runId, id: c.id, params: { ...c.params } })),
    stats,
  };
}

function checkedWeek(value: unknown, name: string): string {
  try {
    return parseWeekId(String(value));
  } catch (error) {
    throw new TrainingInputError(`${name}: ${(error as Error).message}`);
  }
}

function requireParts(sources: WeekSources, file: 'features' | 'activeUsers'): void {
  const what = file === 'features' ? 'features.tsv' : 'active_users.txt';
  if (sources.parts.length === 0 || sources.parts.some((p) => !p[file])) {
    throw new TrainingInputError(
      `week ${sources.week} has no extracted ${what} under extracted/week=${sources.week}/part=*/; extract that week first`,
    );
  }
}
