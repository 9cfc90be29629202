/**
 * Extraction of one event object in the data bucket: the extraction use case with the
 * bucket as both source and target. It streams the object (gunzipped on the way when .gz),
 * joins its users with the CRM and profile tables found under raw/ (a missing table joins
 * nobody, to be re-joined when it arrives), and writes the part's files under
 * `extracted/week=<W>/part=<id>/`, the manifest last. The part id comes from the object's
 * name, so a retry or a re-upload replaces its own output.
 */
import { extractWeek, type ExtractWeekResult } from '#core/extraction/extract-week.ts';
import type { ObjectStore } from '#core/storage/port.ts';
import type { WeekId } from '#core/weeks.ts';
import { bucketInputs, eventObjectOf, partOutputs, type EventObject } from './keys.ts';

export interface ExtractObjectResult extends ExtractWeekResult {
  readonly object: EventObject;
}

export async function extractEventObject(
  bucket: ObjectStore,
  options: { readonly key: string; readonly baseWeek?: WeekId },
): Promise<ExtractObjectResult> {
  const object = eventObjectOf(options.key);
  const result = await extractWeek({
    source: bucket,
    target: bucket,
    week: object.week,
    baseWeek: options.baseWeek,
    inputs: bucketInputs(object.key),
    outputs: partOutputs(object.week, object.partId, { userCounts: true }),
  });
  return { object, ...result };
}
