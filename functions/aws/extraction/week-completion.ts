/**
 * When a week is complete, `extracted/week=<W>/_COMPLETE.json` is written (training starts
 * on it). A single-file week is complete as soon as its one part is extracted and not failed.
 * A week in parts is complete when the uploader's `raw/events/week=<W>/_SUCCESS` (one part
 * file name a line) exists and every part it lists has its manifest; this is checked after
 * each part and when _SUCCESS arrives, so the order of uploads does not matter. A failed part
 * keeps the week incomplete; the same content in two parts fails the week (it would count
 * every event twice).
 */
import { parseManifest, type Manifest } from '#core/extraction/index.ts';
import { readTextIfExists } from '#core/storage/reads.ts';
import type { ObjectStore } from '#core/storage/port.ts';
import type { WeekId } from '#core/weeks.ts';
import {
  completeMarkerKey,
  parseSuccessList,
  partFileKey,
  partIdsOf,
  successKeyOf,
  type CompleteMarker,
} from './keys.ts';
import { WeekFailedError } from './errors.ts';

export type Completion =
  | { readonly complete: true; readonly marker: CompleteMarker; readonly key: string }
  | { readonly complete: false; readonly waitingFor: string[]; readonly failedParts?: string[] };

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
  const partIds = partIdsOf(parseSuccessList(list, successKey), successKey);
  const manifests = partIds.map((id) => partFileKey(week, id, 'manifest'));
  const texts = await Promise.all(manifests.map((key) => readTextIfExists(bucket, key)));
  const waitingFor = manifests.filter((_, i) => texts[i] === undefined);
  if (waitingFor.length > 0) return { complete: false, waitingFor };
  const parts = partIds.map((id, i) => ({ id, manifest: parseManifest(texts[i] ?? '') }));
  const failedParts = parts.filter(({ manifest }) => manifest.verdict.status === 'failed').map(({ id }) => id);
  if (failedParts.length > 0) return { complete: false, waitingFor: [], failedParts };
  refuseDuplicateContent(week, parts);
  return writeMarker(bucket, { formatVersion: 1, week, layout: 'parts', parts: partIds, manifests });
}

const eventSourcesOf = (manifest: Manifest) => manifest.sources.filter((s) => s.kind === 'events');

/** Two parts of one week with the same bytes would count every event twice. */
function refuseDuplicateContent(week: WeekId, parts: readonly { id: string; manifest: Manifest }[]): void {
  const seen = new Map<string, string>();
  for (const { manifest } of parts) {
    for (const source of eventSourcesOf(manifest)) {
      const first = seen.get(source.sha256);
      if (first !== undefined)
        throw new WeekFailedError(
          `week ${week}: ${first} and ${source.name} have the same content (sha256 ${source.sha256.slice(0, 16)}…): ` +
            'the week would count every event twice; remove one from _SUCCESS or upload the right file',
        );
      seen.set(source.sha256, source.name);
    }
  }
}
