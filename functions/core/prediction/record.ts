/**
 * The prediction record (docs/formats.md, "Prediction") and its validation against the
 * model's feature schema. A record that fails is a poison record: the reason says why in a
 * stable code plus a readable detail, and the record never reaches the model.
 */
import type { FeatureKind } from '#core/schema.ts';
import { cut, describeValue } from './describe.ts';

/** What a model expects, feature by feature, in the order its rows are built. */
export interface ModelFeature {
  readonly name: string;
  readonly kind: FeatureKind;
  /** Categorical only: the values, index = the number the model sees. */
  readonly values?: readonly string[];
}

export interface PredictionRecord {
  readonly userId: number;
  readonly round: number;
  /** The week whose features these are, when the sender names it. */
  readonly week?: number;
  /** By name, as sent. */
  readonly features: Readonly<Record<string, string | number>>;
}

type PoisonCode =
  | 'empty'
  | 'too_large'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'not_an_object'
  | 'bad_user_id'
  | 'bad_round'
  | 'bad_week'
  | 'missing_features'
  | 'missing_feature'
  | 'unknown_feature'
  | 'bad_value'
  | 'unknown_category'
  /** The record made parsing or scoring throw: whatever it was, it stays with this record. */
  | 'record_error';

export interface PoisonReason {
  readonly code: PoisonCode;
  readonly detail: string;
}

export type ParsedRecord =
  | {
      readonly ok: true;
      readonly record: PredictionRecord;
      /** One number per model feature. */ readonly row: Float32Array;
    }
  | { readonly ok: false; readonly reason: PoisonReason };

/** A record bigger than this is not a user's weekly features (Kinesis allows 1 MiB). */
const MAX_RECORD_BYTES = 16 * 1024;

/** Longest detail a reason carries: it travels in every poison message and log line. */
const MAX_DETAIL = 300;

const poison = (code: PoisonCode, detail: string): ParsedRecord => ({
  ok: false,
  reason: { code, detail: cut(detail, MAX_DETAIL) },
});

/** The reason for a record whose parsing or scoring threw, with the error's message bounded. */
export function recordErrorReason(error: unknown): PoisonReason {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error);
  return { code: 'record_error', detail: cut(message, MAX_DETAIL) };
}
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes, parses and validates one record's data against the model's features. */
export function parseRecord(data: Uint8Array, features: readonly ModelFeature[]): ParsedRecord {
  if (data.byteLength === 0) return poison('empty', 'the record has no data');
  if (data.byteLength > MAX_RECORD_BYTES)
    return poison('too_large', `${data.byteLength} bytes, at most ${MAX_RECORD_BYTES}`);
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return poison('invalid_utf8', 'the data is not UTF-8 text');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return poison('invalid_json', (error as Error).message);
  }
  return validateRecord(value, features);
}

function validateRecord(value: unknown, features: readonly ModelFeature[]): ParsedRecord {
  if (!isObject(value)) return poison('not_an_object', 'the record must be a JSON object { userId, round, features }');
  const { userId, round } = value;
  if (typeof userId !== 'number' || !Number.isSafeInteger(userId) || userId < 0) {
    return poison('bad_user_id', `userId must be a whole number ≥ 0, got ${describeValue(userId)}`);
  }
  if (typeof round !== 'number' || !Number.isSafeInteger(round) || round < 0) {
    return poison('bad_round', `round must be a whole number ≥ 0, got ${describeValue(round)}`);
  }
  const { week } = value;
  if (week !== undefined && (typeof week !== 'number' || !Number.isSafeInteger(week) || week < 0)) {
    return poison('bad_week', `week, when given, must be a whole number ≥ 0, got ${describeValue(week)}`);
  }
  const given = value.features;
  if (!isObject(given)) return poison('missing_features', 'features must be an object of the model features by name');
  const row = new Float32Array(features.length);
  // for-of with a counter: no index read to check, no iterator entry per feature (hot: every record).
  let f = 0;
  for (const spec of features) {
    const raw = given[spec.name];
    if (raw === undefined) return poison('missing_feature', `feature "${spec.name}" is missing`);
    if (spec.kind === 'categorical') {
      // Gender travels as 0/1 in features.tsv; accept the number as well as the string.
      const text = typeof raw === 'number' ? String(raw) : raw;
      const index = typeof text === 'string' ? (spec.values ?? []).indexOf(text) : -1;
      if (index < 0) {
        return poison(
          'unknown_category',
          `${spec.name} ${describeValue(raw)} is not one of ${(spec.values ?? []).join(', ')}`,
        );
      }
      row[f] = index;
    } else {
      if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0) {
        return poison('bad_value', `${spec.name} must be a number ≥ 0, got ${describeValue(raw)}`);
      }
      row[f] = raw;
    }
    f++;
  }
  if (Object.keys(given).length !== features.length) {
    const known = new Set(features.map((f) => f.name));
    const extra = Object.keys(given).find((name) => !known.has(name));
    if (extra !== undefined) return poison('unknown_feature', `feature ${describeValue(extra)} is not in the model`);
  }
  const named = given as Record<string, string | number>;
  const record = week === undefined ? { userId, round, features: named } : { userId, round, week, features: named };
  return { ok: true, record, row };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
