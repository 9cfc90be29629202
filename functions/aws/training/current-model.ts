/**
 * The published model as the training flow reads it from the data bucket (the storage port):
 * the pointer models/current.json with the ETag it was read at (Publish moves it only over
 * that ETag), the current model's AUC on a run's test set (Evaluate), and the lazy view
 * Publish's rules ask about (core/training/publish-decision.ts).
 */
import type { ObjectStore } from '#core/storage/port.ts';
import { ifExists, readBytes, readText } from '#core/storage/reads.ts';
import type { ForestEngine } from '#core/forest/engine.ts';
import { decodeDataset } from '#core/training/dataset-file.ts';
import { scoreCurrentModel } from '#core/training/evaluate.ts';
import type { CurrentModelScore } from '#core/training/gate.ts';
import { CURRENT_MODEL_KEY, modelKeys } from '#core/training/keys.ts';
import type { LabelledSet } from '#core/training/labels.ts';
import type { CurrentAtPublish } from '#core/training/publish-decision.ts';
import { parseCurrentPointer } from '#core/training/publish-plan.ts';

/** models/current.json as read at one moment: the version it names and its ETag; both undefined before the first publish. */
export interface PointerRead {
  readonly version?: string;
  readonly etag?: string;
}

export async function readPointer(store: ObjectStore): Promise<PointerRead> {
  let etag: string | undefined;
  const text = await ifExists(async () => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of store.read(CURRENT_MODEL_KEY, { onHead: (head) => (etag = head.etag) }))
      chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  });
  if (text === undefined) return {};
  return { version: parseCurrentPointer(text, store.where(CURRENT_MODEL_KEY)).version, etag };
}

async function scoreVersion(
  store: ObjectStore,
  engine: ForestEngine,
  version: string,
  test: LabelledSet,
): Promise<CurrentModelScore> {
  return scoreCurrentModel(engine, version, await readText(store, modelKeys(version).model), test);
}

/** The current model's AUC on this run's test set; undefined when none is published. */
export async function currentModelAuc(
  store: ObjectStore,
  engine: ForestEngine,
  test: LabelledSet,
): Promise<CurrentModelScore | undefined> {
  const { version } = await readPointer(store);
  return version === undefined ? undefined : scoreVersion(store, engine, version, test);
}

/** The model a pointer read names, as Publish's rules see it (read only as far as they ask). */
export function currentAtPublish(
  store: ObjectStore,
  engine: ForestEngine,
  version: string,
  testKey: string,
): CurrentAtPublish {
  return {
    version,
    async trainWeek() {
      const card = await ifExists(() => readText(store, modelKeys(version).card));
      const week = card === undefined ? undefined : (JSON.parse(card) as { trainWeek?: unknown }).trainWeek;
      return typeof week === 'string' ? week : undefined;
    },
    async scoreOnTest() {
      const test = decodeDataset(await readBytes(store, testKey), testKey);
      return scoreVersion(store, engine, version, test);
    },
  };
}
