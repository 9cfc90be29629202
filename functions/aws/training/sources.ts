/**
 * What a week's extraction left in the data bucket, as the training flow reads it: one
 * entry per part folder (`extracted/week=<W>/part=<id>/`; only the parts `_COMPLETE.json`
 * lists when the week has one), with its features, active users and manifest keys. The fingerprints (key@ETag of
 * each manifest and of the marker) make a run's id change when its inputs change.
 */
import type { WeekId } from '#core/weeks.ts';
import { completeMarkerKey, extractedPrefix } from '#core/training/keys.ts';
import type { ListedObject, TrainingStore } from './store.ts';

interface WeekPart {
  readonly prefix: string;
  readonly features?: string;
  readonly activeUsers?: string;
  readonly manifest?: ListedObject;
}

export interface WeekSources {
  readonly week: WeekId;
  readonly complete: boolean;
  readonly parts: WeekPart[];
  readonly fingerprints: string[];
}

const PART = /^extracted\/week=[^/]+\/(part=[^/]+)\/(.+)$/;

/** The part ids `_COMPLETE.json` lists, or undefined when it lists none in a form this reads. */
async function markerParts(store: TrainingStore, bucket: string, key: string): Promise<Set<string> | undefined> {
  try {
    const marker = JSON.parse(await store.getText(bucket, key)) as { parts?: unknown };
    return Array.isArray(marker.parts) && marker.parts.every((p) => typeof p === 'string')
      ? new Set(marker.parts as string[])
      : undefined;
  } catch {
    return undefined;
  }
}

export async function weekSources(store: TrainingStore, bucket: string, week: WeekId): Promise<WeekSources> {
  const objects = await store.list(bucket, extractedPrefix(week));
  const parts = new Map<string, { prefix: string; features?: string; activeUsers?: string; manifest?: ListedObject }>();
  let marker: ListedObject | undefined;
  for (const object of objects) {
    if (object.key === completeMarkerKey(week)) marker = object;
    const match = PART.exec(object.key);
    if (!match) continue;
    const prefix = `${extractedPrefix(week)}${match[1]}/`;
    const part = parts.get(prefix) ?? { prefix };
    const file = match[2];
    if (file === 'features.tsv' || file === 'features.tsv.gz') part.features = object.key;
    else if (file === 'active_users.txt' || file === 'active_users.txt.gz') part.activeUsers = object.key;
    else if (file === 'manifest.json') part.manifest = object;
    parts.set(prefix, part);
  }
  let ordered = [...parts.values()].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  // A complete week is the parts its marker lists (a folder left from an older upload is not).
  const listed = marker ? await markerParts(store, bucket, marker.key) : undefined;
  if (listed)
    ordered = ordered.filter((p) => listed.has(p.prefix.slice(extractedPrefix(week).length + 'part='.length, -1)));
  const fingerprints = [
    ...ordered.flatMap((p) => (p.manifest ? [`${p.manifest.key}@${p.manifest.etag}`] : [])),
    ...(marker ? [`${marker.key}@${marker.etag}`] : []),
  ];
  return { week, complete: marker !== undefined, parts: ordered, fingerprints };
}
