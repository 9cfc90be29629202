/**
 * What Publish writes, in order. The version's documents first, the dashboard's copies
 * next, and `models/current.json` last: a reader that follows the pointer always finds a
 * complete version, and a failure half-way leaves the previous model current.
 */
import { CURRENT_MODEL_KEY, SITE_KEYS, modelKeys } from './keys.ts';
import { weekSpan, type WeekId } from '#core/weeks.ts';

export interface PlannedWrite {
  readonly bucket: 'data' | 'site';
  readonly key: string;
  readonly body: string;
  /** Versioned objects are never replaced by different content. */
  readonly immutable: boolean;
}

export interface CurrentPointer {
  readonly formatVersion: 1;
  readonly version: string;
  readonly publishedAt: string;
}

export interface PublishDocuments {
  readonly model: string;
  readonly card: string;
  readonly trees: string;
}

export function publishPlan(version: string, docs: PublishDocuments, publishedAt: Date): PlannedWrite[] {
  const keys = modelKeys(version);
  const pointer: CurrentPointer = { formatVersion: 1, version, publishedAt: publishedAt.toISOString() };
  return [
    { bucket: 'data', key: keys.model, body: docs.model, immutable: true },
    { bucket: 'data', key: keys.card, body: docs.card, immutable: true },
    { bucket: 'data', key: keys.trees, body: docs.trees, immutable: true },
    { bucket: 'site', key: SITE_KEYS.trees, body: docs.trees, immutable: false },
    { bucket: 'site', key: SITE_KEYS.card, body: docs.card, immutable: false },
    { bucket: 'data', key: CURRENT_MODEL_KEY, body: JSON.stringify(pointer, null, 2) + '\n', immutable: false },
  ];
}

/** Reads models/current.json; throws a readable error on a wrong shape. */
export function parseCurrentPointer(text: string, source = CURRENT_MODEL_KEY): CurrentPointer {
  let value: Partial<CurrentPointer>;
  try {
    value = JSON.parse(text) as Partial<CurrentPointer>;
  } catch {
    throw new Error(`${source} is not JSON`);
  }
  if (value.formatVersion !== 1 || typeof value.version !== 'string' || typeof value.publishedAt !== 'string') {
    throw new Error(`${source} must be { formatVersion: 1, version, publishedAt }`);
  }
  return value as CurrentPointer;
}

/**
 * True when a model trained on `trainWeek` must not replace the current model trained on
 * `currentTrainWeek`: runs for two week pairs can finish out of order, and the pointer must
 * not move back to older data. Weeks compare by their start (numbered weeks from base week).
 */
export function isSupersededBy(trainWeek: WeekId, currentTrainWeek: WeekId): boolean {
  return weekSpan(trainWeek).start < weekSpan(currentTrainWeek).start;
}
