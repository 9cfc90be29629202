/** A scored record's result, and the messages that carry results (docs/formats.md, "Prediction"). */
import { hash } from 'node:crypto';
import { wholeNumberSetting } from './settings.ts';

/** One feature's signed change of the retention probability for this user (from the forest's paths). */
export interface Reason {
  readonly feature: string;
  /** The user's value, as sent (category name or number). */
  readonly value: string | number;
  readonly contribution: number;
}

export interface PredictionResult {
  readonly resultId: string;
  readonly userId: number;
  readonly round: number;
  /** The week whose features were scored, when the record named it (outcomes compare it with week + 1). */
  readonly week?: number;
  readonly retained: boolean;
  readonly probability: number;
  readonly modelVersion: string;
  readonly scoredAt: string;
  /** The features that moved this user's probability most, largest |contribution| first (at most 3). */
  readonly reasons?: readonly Reason[];
}

/** Deterministic, so a redelivered record yields the same id and consumers can drop duplicates. */
export function resultId(round: number, userId: number, modelVersion: string): string {
  // The one-shot hash: half the CPU of createHash…digest for a string this short.
  return hash('sha256', `${round}|${userId}|${modelVersion}`, 'hex').slice(0, 32);
}

/** Predicted retained when the forest's probability of class 1 is at least this. */
const RETAINED_THRESHOLD = 0.5;

export function predictionResult(
  userId: number,
  round: number,
  probability: number,
  modelVersion: string,
  scoredAt: Date,
  extra: { readonly week?: number | undefined; readonly reasons?: readonly Reason[] | undefined } = {},
): PredictionResult {
  return {
    resultId: resultId(round, userId, modelVersion),
    userId,
    round,
    ...(extra.week === undefined ? {} : { week: extra.week }),
    retained: probability >= RETAINED_THRESHOLD,
    probability: Math.round(probability * 1e6) / 1e6,
    modelVersion,
    scoredAt: scoredAt.toISOString(),
    ...(extra.reasons === undefined ? {} : { reasons: extra.reasons }),
  };
}

/** SQS message attributes: filterable without parsing the body. */
export function resultAttributes(result: PredictionResult) {
  return {
    modelVersion: { DataType: 'String', StringValue: result.modelVersion },
    round: { DataType: 'Number', StringValue: String(result.round) },
  } as const;
}

/**
 * The results message format: a message carries the results of one predict batch that share
 * their message attributes (round and model version), in the order their records were read.
 */
const RESULTS_MESSAGE_FORMAT = 1;

export interface ResultsMessage {
  readonly formatVersion: typeof RESULTS_MESSAGE_FORMAT;
  readonly results: readonly PredictionResult[];
}

/** Results per message by default; SNS's 256 KiB bounds a message too. */
export const DEFAULT_RESULTS_PER_MESSAGE = 100;
export const MAX_RESULTS_PER_MESSAGE = 1000;

/** Results per message from the environment's RESULTS_PER_MESSAGE, or the default. */
export function resultsPerMessageFrom(raw: string | undefined): number {
  return wholeNumberSetting('RESULTS_PER_MESSAGE', raw, 1, MAX_RESULTS_PER_MESSAGE, DEFAULT_RESULTS_PER_MESSAGE);
}

/** A message's body from results already serialized one by one (JSON.stringify of a PredictionResult). */
export function resultsMessageBody(serializedResults: readonly string[]): string {
  return `{"formatVersion":${RESULTS_MESSAGE_FORMAT},"results":[${serializedResults.join(',')}]}`;
}

/** A results message body read back (a subscriber), every result checked. */
export function parseResultsMessage(body: string): PredictionResult[] {
  const value = JSON.parse(body) as { formatVersion?: unknown; results?: unknown };
  if (value?.formatVersion !== RESULTS_MESSAGE_FORMAT || !Array.isArray(value.results))
    throw new Error(`not a results message (format ${RESULTS_MESSAGE_FORMAT})`);
  return value.results.map(checkedResult);
}

function checkedResult(value: Partial<PredictionResult>, index: number): PredictionResult {
  if (
    typeof value?.resultId !== 'string' ||
    typeof value.userId !== 'number' ||
    typeof value.round !== 'number' ||
    typeof value.retained !== 'boolean' ||
    typeof value.probability !== 'number' ||
    typeof value.modelVersion !== 'string'
  ) {
    throw new Error(`results[${index}] is not a prediction result`);
  }
  return value as PredictionResult;
}
