/**
 * When a week is complete, `extracted/week=<W>/_COMPLETE.json` is written (training starts
 * on it). A single-file week is complete as soon as its one part is extracted. A week in
 * parts is complete when the uploader's `raw/events/week=<W>/_SUCCESS` (one part file name a
 * line) exists and every part it lists has its manifest; this is checked after each part and
 * when _SUCCESS arrives, so the order of uploads does not matter.
 */
import { readTextIfExists } from '#core/storage/reads.ts';
import type { ObjectStore } from '#core/storage/port.ts';
import type { WeekId } from '#core/weeks.ts';
import {
  completeMarkerKey,
  parseSuccessList,
  partFileKey,
  partIdOf,
  successKeyOf,
  type CompleteMarker,
} from './keys.ts';

export type Completion =
  | { readonly complete: true; readonly marker: CompleteMarker; readonly key: string }
  | { readonly complete: false; readonly waitingFor: string[] };

async function writeMarker(bucket: ObjectStore, marker: CompleteMarker): Promise<Completion> {
  const key = completeMarkerKey(marker.week);
  // Deterministic bytes: two parts finishing together write the same object (same ETag).
  await bucket.write(key, JSON.stringify(marker, null, 2) + '\n', { contentType: 'application/json' });
  return { complete: true, marker, key };
}

export async function completeSingleFileWeek(bucket: ObjectStore, week: WeekId, partId: string): Promise<Completion> {
  return writeMarker(bucket, {
    formatVersion: 1,
    week,
    layout: 'single',
    parts: [partId],
    manifests: [partFileKey(week, partId, 'manifest')],
  });
}

export async function completePartsWeekIfReady(bucket: ObjectStore, week: WeekId): Promise<Completion> {
  const successKey = successKeyOf(week);
  const list = await readTextIfExists(bucket, successKey);
  if (list === undefined) return { complete: false, waitingFor: [successKey] };
  const partIds = [...new Set(parseSuccessList(list, successKey).map(partIdOf))].sort();
  const manifests = partIds.map((id) => partFileKey(week, id, 'manifest'));
  const present = await Promise.all(manifests.map((key) => bucket.head(key)));
  const waitingFor = manifests.filter((_, i) => present[i] === undefined);
  if (waitingFor.length > 0) return { complete: false, waitingFor };
  return writeMarker(bucket, { formatVersion: 1, week, layout: 'parts', parts: partIds, manifests });
}
