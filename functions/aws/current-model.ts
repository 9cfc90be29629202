/**
 * The published model as the gate sees it: its version and its AUC on a run's test set.
 * Evaluate judges against it; Publish judges again when another run published in between.
 */
import type { decodeDataset } from '../core/training/dataset-file.ts';
import { forestEngine } from '../core/training/forest-engine.ts';
import { CURRENT_MODEL_KEY, modelKeys } from '../core/training/keys.ts';
import { parseCurrentPointer } from '../core/training/publish-plan.ts';
import type { TrainingStore } from './training-store.ts';

export interface CurrentModelScore {
  readonly version: string;
  /** Undefined when this engine cannot read the current model (`unreadable` says why). */
  readonly auc: number | undefined;
  readonly unreadable: string | undefined;
}

/** The version models/current.json points at, or undefined before the first publish. */
export async function currentVersion(store: TrainingStore, bucket: string): Promise<string | undefined> {
  const pointerText = await store.getTextIfExists(bucket, CURRENT_MODEL_KEY);
  return pointerText === undefined ? undefined : parseCurrentPointer(pointerText).version;
}

/** The current model's AUC on this run's test set; undefined when none is published. */
export async function currentModelAuc(
  store: TrainingStore,
  bucket: string,
  test: ReturnType<typeof decodeDataset>,
): Promise<CurrentModelScore | undefined> {
  const version = await currentVersion(store, bucket);
  if (version === undefined) return undefined;
  const modelJson = await store.getText(bucket, modelKeys(version).model);
  let probabilities: Float64Array;
  try {
    probabilities = forestEngine.score(modelJson, test);
  } catch (error) {
    return { version, auc: undefined, unreadable: (error as Error).message };
  }
  return { version, auc: forestEngine.metrics(test.labels, probabilities).auc, unreadable: undefined };
}
