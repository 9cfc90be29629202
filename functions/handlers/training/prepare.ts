/**
 * Prepare (training state machine): plans the run (every parameter combination checked by
 * the engine before anything is read or written), merges the train week's extracted parts,
 * labels each user by presence in the label week's active users, splits 70/30 by user hash
 * and seed, writes train.bin / test.bin / prepared.json under training/<runId>/, and returns
 * the Map's items: each combination, cut into tree ranges when one Train task would not
 * build it in time (shards.ts).
 *
 * Memory, for 10M users a week: parts are read one at a time and kept as typed columns
 * (~76 bytes a user), the label week's active users as one sorted Float64Array, the sets
 * take the parts' place column by column (split-parts.ts), and the data sets stream to S3
 * from their own arrays. About 100 bytes a user at the peak (docs/cost.md, bench/scale.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { ForestEngine } from '#core/forest/engine.ts';
import { ActiveUsersBuilder } from '#core/training/active-users.ts';
import { datasetChunks } from '#core/training/dataset-file.ts';
import { parseFeaturesTsv } from '#core/training/features-table.ts';
import { parseActiveUsers } from '#core/extraction/files.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import { trainingKeys } from '#core/training/keys.ts';
import {
  TrainingInputError,
  planRun,
  prepareSets,
  type DataStats,
  type PreparedRecord,
  type RunSources,
} from '#core/training/prepare.ts';
import { trainingRunId } from '#core/training/run-id.ts';
import { refuseFailedParts } from '#core/training/failed-parts.ts';
import { DEFAULT_TREE_ROWS_PER_SHARD, trainItems, type TrainItem } from '#core/training/shards.ts';
import { parseWeekId } from '#core/weeks.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';
import { requireEnv } from '#aws/clients.ts';
import { TrainingStore } from '#aws/training/store.ts';
import { weekSources, type WeekSources } from '#aws/training/sources.ts';

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
  /** The Map's items: one per combination, or per (combination × tree range) when cut. */
  readonly combinations: TrainItem[];
  readonly stats: Pick<DataStats, 'train' | 'test'>;
}

export interface PrepareDeps {
  readonly store: TrainingStore;
  readonly dataBucket: string;
  readonly engine: ForestEngine;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Trees × rows one Train task gets (shards.ts); default DEFAULT_TREE_ROWS_PER_SHARD. */
  readonly treeRowsPerShard?: number;
}

export function createPrepareHandler(deps: PrepareDeps) {
  const { store, dataBucket: bucket, engine, logger } = deps;
  return async (event: PrepareInput): Promise<PrepareOutput> => {
    const trainWeek = checkedWeek(event.trainWeek, 'trainWeek');
    const labelWeek = checkedWeek(event.labelWeek, 'labelWeek');
    const plan = planRun(engine, event.params);
    const [train, label] = await Promise.all([
      weekSources(store, bucket, trainWeek),
      weekSources(store, bucket, labelWeek),
    ]);
    const runId = trainingRunId({
      trainWeek,
      labelWeek,
      params: event.params,
      sources: [...train.fingerprints, ...label.fingerprints],
    });
    const weeks = await readWeeks(store, bucket, train, label);
    const { sets, dataStats } = prepareSets(engine, plan, trainWeek, weeks.tables, weeks.activeUsers);
    const trainedAt = deps.now().toISOString();
    const prepared: PreparedRecord = {
      formatVersion: 1,
      runId,
      trainWeek,
      labelWeek,
      trainedAt,
      splitSeed: plan.splitSeed,
      grid: plan.grid,
      dataStats,
      sources: weeks.sources,
    };
    const keys = trainingKeys(runId);
    const binary = { contentType: 'application/octet-stream' };
    await Promise.all([
      store.bucket(bucket).writeStream(keys.train, datasetChunks(sets.train), binary),
      store.bucket(bucket).writeStream(keys.test, datasetChunks(sets.test), binary),
      store.put(bucket, keys.prepared, JSON.stringify(prepared, null, 2) + '\n'),
    ]);
    const stats = { train: dataStats.train, test: dataStats.test };
    const combinations = trainItems(engine, plan, runId, sets.train.rows, deps.treeRowsPerShard);
    logger.info('prepared', {
      runId,
      trainWeek,
      labelWeek,
      parts: weeks.parts,
      ...stats,
      combinations: plan.combinations.length,
      trainTasks: combinations.length,
    });
    return { runId, trainWeek, labelWeek, trainedAt, combinations, stats };
  };
}

function prepareDepsFromEnv(): PrepareDeps {
  return {
    store: new TrainingStore(),
    dataBucket: requireEnv('DATA_BUCKET'),
    engine: forestEngine,
    logger: new Logger(),
    now: () => new Date(),
    treeRowsPerShard: Number(process.env.TREE_ROWS_PER_SHARD ?? DEFAULT_TREE_ROWS_PER_SHARD),
  };
}

export const handler = lazyHandler(() => createPrepareHandler(prepareDepsFromEnv()));

function checkedWeek(value: unknown, name: string): string {
  try {
    return parseWeekId(String(value));
  } catch (error) {
    throw new TrainingInputError(`${name}: ${(error as Error).message}`);
  }
}

/** The run's extracted objects, read and parsed: the train week's features, the label week's active users. */
async function readWeeks(store: TrainingStore, bucket: string, train: WeekSources, label: WeekSources) {
  const featureKeys = requireParts(train, 'features');
  const activeKeys = requireParts(label, 'activeUsers');
  // Manifests first: a failed part refuses the run before its features are read.
  const manifests = await Promise.all(
    [...train.parts, ...label.parts].flatMap(({ manifest }) =>
      manifest
        ? [store.getText(bucket, manifest.key).then((text) => ({ key: manifest.key, manifest: JSON.parse(text) }))]
        : [],
    ),
  );
  refuseFailedParts(manifests);
  // One part's text at a time: only its typed columns stay.
  const tables = [];
  for (const key of featureKeys) tables.push(parseFeaturesTsv(await store.getText(bucket, key), key));
  const active = new ActiveUsersBuilder();
  for (const key of activeKeys) active.add(parseActiveUsers(await store.getText(bucket, key)));
  const sources: RunSources = { trainWeek: featureKeys, labelWeek: activeKeys, manifests };
  return { tables, activeUsers: active.build(), sources, parts: tables.length };
}

/** The key of `file` in every part of the week; throws when a part lacks it or there is none. */
function requireParts(sources: WeekSources, file: 'features' | 'activeUsers'): string[] {
  const keys = sources.parts.map((part) => part[file]).filter((key) => key !== undefined);
  if (keys.length === 0 || keys.length < sources.parts.length) {
    const what = file === 'features' ? 'features.tsv' : 'active_users.txt';
    throw new TrainingInputError(
      `week ${sources.week} has no extracted ${what} under extracted/week=${sources.week}/part=*/; extract that week first`,
    );
  }
  return keys;
}
