/**
 * Names of a training run. The Step Functions execution name and the run id are the same
 * string, derived from everything that decides the result (the weeks, the parameters and the
 * extracted manifests it reads), so a duplicate trigger maps to the same name and Step
 * Functions refuses a second execution (ExecutionAlreadyExists).
 */
import { createHash } from 'node:crypto';
import type { WeekId } from '#core/weeks.ts';

export interface RunIdentity {
  readonly trainWeek: WeekId;
  readonly labelWeek: WeekId;
  /** The caller's parameter overrides, or undefined for the defaults. */
  readonly params?: unknown;
  /** One fingerprint per source manifest (e.g. its key and ETag or sha256), any order. */
  readonly sources: readonly string[];
}

/** Execution names: at most 80 characters of [A-Za-z0-9-_]. */
const NAME_LIMIT = 80;

export function trainingRunId(identity: RunIdentity): string {
  const canonical = JSON.stringify({
    trainWeek: identity.trainWeek,
    labelWeek: identity.labelWeek,
    params: canonicalize(identity.params ?? null),
    sources: [...identity.sources].sort(),
  });
  const hash = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  // Long week names (`retention train` names a week by its folder) give way; the hash stays whole.
  const weeks = `train-${safe(identity.trainWeek)}-${safe(identity.labelWeek)}`.slice(0, NAME_LIMIT - hash.length - 1);
  return `${weeks}-${hash}`;
}

/** The version a published model gets: sortable by time, unique by run. */
export function modelVersion(runId: string, trainedAt: Date): string {
  const stamp = trainedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${runId.slice(-8)}`;
}

function safe(week: string): string {
  return week.replace(/[^A-Za-z0-9]/g, '');
}

/** Objects with sorted keys, so that {a,b} and {b,a} hash alike. */
function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonicalize((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
