/**
 * Extraction of one event object in the data bucket: the extraction use case with the
 * bucket as both source and target. It streams the exact object its event names (gunzipped
 * on the way when .gz), joins its users with the CRM and profile tables found under raw/ (a
 * missing table joins nobody, to be re-joined when it arrives), and writes the part's files
 * under `extracted/week=<W>/part=<id>/`, the manifest last, each only while the key still
 * holds that object (pinned-source.ts). The part id comes from the object's name, so a
 * retry or a re-upload replaces its own output.
 */
import { extractWeek, type ExtractWeekResult } from '#core/extraction/extract-week.ts';
import type { ObjectStore } from '#core/storage/port.ts';
import type { ManifestVerdict } from '#core/extraction/types.ts';
import type { WeekId } from '#core/weeks.ts';
import { bucketInputs, eventObjectOf, partOutputs, type EventObject } from './keys.ts';
import { PinnedSourceStore, SourceMovedOnError, type SourcePin } from './pinned-source.ts';

export interface ExtractObjectOptions {
  /** The object as its event names it (key, ETag, version id). */
  readonly pin: SourcePin;
  /** The ISO week numbered week 0 stands for; absent: numbered weeks are not checked against a calendar. */
  readonly baseWeek?: WeekId;
  /** Above this share of rejected lines the part is failed (default: the verdict's). */
  readonly maxRejectedShare?: number;
  /** Awaited before each output is committed (tests interleave runs with it). */
  readonly beforeOutput?: (key: string) => Promise<void>;
}

export type ExtractObjectResult =
  | (ExtractWeekResult & {
      readonly superseded: false;
      readonly object: EventObject;
      readonly verdict: ManifestVerdict;
      /** The bucket as this extraction writes it: later writes of the part stay pinned. */
      readonly bucket: PinnedSourceStore;
    })
  | { readonly superseded: true; readonly object: EventObject; readonly reason: string };

export async function extractEventObject(
  store: ObjectStore,
  options: ExtractObjectOptions,
): Promise<ExtractObjectResult> {
  const object = eventObjectOf(options.pin.key);
  const bucket = new PinnedSourceStore(store, options.pin, options.beforeOutput);
  try {
    const result = await extractWeek({
      source: bucket,
      target: bucket,
      week: object.week,
      baseWeek: options.baseWeek,
      maxRejectedShare: options.maxRejectedShare,
      inputs: bucketInputs(object.key),
      outputs: partOutputs(object.week, object.partId, { userCounts: true }),
    });
    return { ...result, superseded: false, object, verdict: result.manifest.verdict, bucket };
  } catch (error) {
    const movedOn = sourceMovedOn(error);
    if (movedOn) return { superseded: true, object, reason: movedOn.message };
    throw error;
  }
}

/** The SourceMovedOnError behind an error, however the store wrapped it. */
function sourceMovedOn(error: unknown): SourceMovedOnError | undefined {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof SourceMovedOnError) return e;
  return undefined;
}
