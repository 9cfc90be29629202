/**
 * What Publish writes, in order: the version's documents first (immutable), then
 * `models/current.json`, moved only over the pointer it judged against, and last the
 * dashboard's copies, taken from the version the pointer names. A reader that follows the
 * pointer always finds a complete version, a failure before the pointer leaves the previous
 * model current, and the site shows only what the pointer has named.
 */
import { CURRENT_MODEL_KEY, SITE_KEYS, modelKeys } from './keys.ts';
import { weekSpan, type WeekId } from '#core/weeks.ts';

export interface VersionDocument {
  readonly key: string;
  readonly body: string;
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

/** The version's documents in the data bucket, never replaced by different content once written. */
export function versionDocuments(version: string, docs: PublishDocuments): VersionDocument[] {
  const keys = modelKeys(version);
  return [
    { key: keys.model, body: docs.model },
    { key: keys.card, body: docs.card },
    { key: keys.trees, body: docs.trees },
  ];
}

export function currentPointerBody(version: string, publishedAt: Date): string {
  const pointer: CurrentPointer = { formatVersion: 1, version, publishedAt: publishedAt.toISOString() };
  return JSON.stringify(pointer, null, 2) + '\n';
}

/** The dashboard's documents (site bucket) and the object of the version each is a copy of. */
export function siteCopies(version: string): { readonly siteKey: string; readonly from: string }[] {
  const keys = modelKeys(version);
  return [
    { siteKey: SITE_KEYS.trees, from: keys.trees },
    { siteKey: SITE_KEYS.card, from: keys.card },
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
