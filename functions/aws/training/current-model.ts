/**
 * The published model as the training flow reads it from the data bucket: the version
 * models/current.json points at, its AUC on a run's test set (Evaluate), and the lazy view
 * Publish's rules ask about (core/training/publish-decision.ts).
 */
import type { ForestEngine } from '#core/forest/engine.ts';
import { decodeDataset } from '#core/training/dataset-file.ts';
import { scoreCurrentModel } from '#core/training/evaluate.ts';
import type { CurrentModelScore } from '#core/training/gate.ts';
import { CURRENT_MODEL_KEY, modelKeys } from '#core/training/keys.ts';
import type { LabelledSet } from '#core/training/labels.ts';
import type { CurrentAtPublish } from '#core/training/publish-decision.ts';
import { parseCurrentPointer } from '#core/training/publish-plan.ts';
import type { TrainingStore } from './store.ts';

/** The version models/current.json points at, or undefined before the first publish. */
async function currentVersion(store: TrainingStore, bucket: string): Promise<string | undefined> {
  const pointerText = await store.getTextIfExists(bucket, CURRENT_MODEL_KEY);
  return pointerText === undefined ? undefined : parseCurrentPointer(pointerText).version;
}

async function scoreVersion(
  store: TrainingStore,
  bucket: string,
  engine: ForestEngine,
  version: string,
  test: LabelledSet,
): Promise<CurrentModelScore> {
  return scoreCurrentModel(engine, version, await store.getText(bucket, modelKeys(version).model), test);
}

/** The current model's AUC on this run's test set; undefined when none is published. */
export async function currentModelAuc(
  store: TrainingStore,
  bucket: string,
  engine: ForestEngine,
  test: LabelledSet,
): Promise<CurrentModelScore | undefined> {
  const version = await currentVersion(store, bucket);
  return version === undefined ? undefined : scoreVersion(store, bucket, engine, version, test);
}

/** The current model as Publish sees it, or undefined before the first publish. */
export async function currentAtPublish(
  store: TrainingStore,
  bucket: string,
  engine: ForestEngine,
  testKey: string,
): Promise<CurrentAtPublish | undefined> {
  const version = await currentVersion(store, bucket);
  if (version === undefined) return undefined;
  return {
    version,
    async trainWeek() {
      const card = await store.getTextIfExists(bucket, modelKeys(version).card);
      const week = card === undefined ? undefined : (JSON.parse(card) as { trainWeek?: unknown }).trainWeek;
      return typeof week === 'string' ? week : undefined;
    },
    async scoreOnTest() {
      const test = decodeDataset(await store.getBytes(bucket, testKey), testKey);
      return scoreVersion(store, bucket, engine, version, test);
    },
  };
}
