/** A scored record's reasons: the features that moved its probability most, with the values it sent. */
import { topReasons } from '#core/forest/contributions.ts';
import type { ModelFeature, PredictionRecord } from './record.ts';
import type { Reason } from './result.ts';

/** How many reasons a result carries. */
const REASONS = 3;

/** `contributions`: the record's row of them (schema order), as BatchScorer gives it. */
export function recordReasons(
  features: readonly ModelFeature[],
  record: PredictionRecord,
  contributions: Float64Array,
): Reason[] {
  return topReasons(features, contributions, 0, (f) => record.features[features[f]!.name]!, REASONS);
}
