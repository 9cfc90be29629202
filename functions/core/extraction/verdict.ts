/**
 * Whether an extraction's line counts are data or a failed extraction. A week whose lines are
 * mostly rejected is almost always the wrong file, a wrong calendar or a wrong format, and
 * training on it would publish a model of nothing; a week with some rejects is dirty but real.
 * The verdict's message is one line a person can act on: what, how many, why, and the fix.
 */
import { REJECT_REASONS, type LineCounts, type RejectReason } from './types.ts';

/** Above this share of rejected lines the extraction fails. */
export const DEFAULT_MAX_REJECTED_SHARE = 0.5;
/** Above this share (and up to the maximum) the extraction succeeds with a warning. */
const DEFAULT_WARN_REJECTED_SHARE = 0.05;
/** How many reasons the message names, the largest first. */
const NAMED_REASONS = 3;

export interface VerdictOptions {
  /** What was read, as the message should name it: a file name, a key, or "week 3 (2 files)". */
  readonly subject: string;
  readonly maxRejectedShare?: number;
  readonly warnRejectedShare?: number;
}

interface ReasonCount {
  readonly reason: RejectReason;
  readonly count: number;
}

export interface ExtractionVerdict {
  /** ok: use it; dirty: use it, warn with the message; failed: do not use it. */
  readonly status: 'ok' | 'dirty' | 'failed';
  /** One line for a person (empty when ok). */
  readonly message: string;
  /** Rejected share of the lines read (0 when nothing was read). */
  readonly rejectedShare: number;
  /** The reasons that occurred, the largest first. */
  readonly reasons: readonly ReasonCount[];
}

/** What most often causes each reason, and what to do about it. */
const LIKELY_FIX: Record<RejectReason, string> = {
  empty_line: 'the input is mostly empty lines: is it the right file?',
  field_count:
    'expected 7 tab-separated fields (anonymous_id user_id company_id platform event_time event_type first_event): is the file tab-separated and an event log?',
  bad_number: 'ids and event_time must be whole numbers: is the column order right?',
  negative_id: 'ids must not be negative',
  unknown_platform: 'platform names are not in the category lists: give your own lists (meta files)',
  unknown_event_type: 'event types are not in the category lists: give your own lists (meta files)',
  unknown_category: 'names are not in the category lists: give your own lists (meta files)',
  bad_timestamp: 'event_time must be seconds since 1970 (UTC)',
  outside_week:
    "the events' times are not in the week's dates: name the file by the ISO week its events fall in (user_events_2026-W05.log), or give the right base week for numbered weeks",
  bad_first_event: 'first_event must be 0 or 1',
  bad_gender: 'gender must be 0 or 1',
  age_out_of_range: 'age must be a whole number of years in range',
  line_too_long: 'lines are longer than 64 KiB: is this a text log?',
  invalid_utf8: 'the bytes are not UTF-8 text: is the file compressed, binary or in another encoding?',
  duplicate_key: 'the same key appears on several lines: is the table concatenated twice?',
};

function reasonsBySize(rejected: LineCounts['rejected']): ReasonCount[] {
  const reasons: ReasonCount[] = [];
  for (const reason of REJECT_REASONS) {
    const count = rejected[reason] ?? 0;
    if (count > 0) reasons.push({ reason, count });
  }
  return reasons.sort((a, b) => b.count - a.count);
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}

function describe(subject: string, counts: LineCounts, reasons: readonly ReasonCount[], share: number): string {
  const rejected = counts.linesRead - counts.accepted;
  const named = reasons
    .slice(0, NAMED_REASONS)
    .map(({ reason, count }) => `${reason} ${count}`)
    .join(', ');
  const more = reasons.length > NAMED_REASONS ? ', …' : '';
  return `${subject}: ${rejected} of ${counts.linesRead} lines rejected (${percent(share)}: ${named}${more})`;
}

/** Judges line counts (one source's or a week's summed) against the rejected-share limits. */
export function judgeExtraction(counts: LineCounts, options: VerdictOptions): ExtractionVerdict {
  const maxShare = options.maxRejectedShare ?? DEFAULT_MAX_REJECTED_SHARE;
  const warnShare = options.warnRejectedShare ?? DEFAULT_WARN_REJECTED_SHARE;
  const reasons = reasonsBySize(counts.rejected);
  const share = counts.linesRead === 0 ? 0 : (counts.linesRead - counts.accepted) / counts.linesRead;
  if (counts.linesRead === 0) {
    return {
      status: 'failed',
      message: `${options.subject}: no lines at all: is the file empty?`,
      rejectedShare: 0,
      reasons,
    };
  }
  const summary = describe(options.subject, counts, reasons, share);
  const fix = reasons[0] === undefined ? '' : `; ${LIKELY_FIX[reasons[0].reason]}`;
  if (counts.accepted === 0 || share > maxShare) {
    const limit = counts.accepted === 0 ? 'nothing accepted' : `more than the ${percent(maxShare)} allowed`;
    return { status: 'failed', message: `${summary}, ${limit}${fix}`, rejectedShare: share, reasons };
  }
  if (share > warnShare) return { status: 'dirty', message: `${summary}${fix}`, rejectedShare: share, reasons };
  return { status: 'ok', message: '', rejectedShare: share, reasons };
}
