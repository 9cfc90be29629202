/**
 * The shapes the extraction stage hands to its callers: rejects, per-user counts before the
 * join, the joined week, and the manifest (docs/formats.md, "Extracted week").
 */
import type { WeekId } from '#core/weeks.ts';

/** Stable reject codes, in the order the manifest lists them. */
export const REJECT_REASONS = [
  'empty_line',
  'field_count',
  'bad_number',
  'negative_id',
  'unknown_platform',
  'unknown_event_type',
  'unknown_category',
  'bad_timestamp',
  'outside_week',
  'bad_first_event',
  'bad_gender',
  'age_out_of_range',
  'line_too_long',
  'invalid_utf8',
  'duplicate_key',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Lines longer than this many bytes (without the line end) are rejected as `line_too_long`. */
export const MAX_LINE_BYTES = 64 * 1024;
/** A reject's `raw` keeps at most this many bytes of the line. */
export const MAX_RAW_BYTES = 1024;

/** One rejected line, as a line of rejects.jsonl. */
export interface Reject {
  /** The source's name (file name or S3 key). */
  readonly source: string;
  /** Line number in the source, from 1. */
  readonly line: number;
  readonly reason: RejectReason;
  /** The line's text without its line end, cut at MAX_RAW_BYTES bytes. */
  readonly raw: string;
}

/** Called for each rejected line as it is found, so rejects can be streamed out. */
export type RejectSink = (reject: Reject) => void;

/** Result of parsing one line: a value or a reject reason. Parsers never throw on bad input. */
export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: RejectReason };

/** A valid event line; platform and eventType are category indices. */
export interface EventRecord {
  readonly anonymousId: number;
  readonly userId: number;
  readonly companyId: number;
  readonly platform: number;
  readonly eventTime: number;
  readonly eventType: number;
  readonly firstEvent: 0 | 1;
}

/** A valid CRM line; the three categories as indices into their lists. */
export interface CrmRecord {
  readonly companyId: number;
  readonly industry: number;
  readonly region: number;
  readonly socialType: number;
}

/** A valid profile line. */
export interface ProfileRecord {
  readonly userId: number;
  readonly gender: 0 | 1;
  readonly age: number;
}

/** Line counts of one source (or of several summed). `linesRead == accepted + sum(rejected)`. */
export interface LineCounts {
  linesRead: number;
  accepted: number;
  /** Only reasons that occurred, in REJECT_REASONS order. */
  rejected: Partial<Record<RejectReason, number>>;
}

/** What a source was: its name, its size as stored (compressed if it is), and its sha256. */
export interface SourceInfo {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** One user's counts for the week before the join. */
export interface UserCounts {
  readonly userId: number;
  /** company_id of the user's first event by event_time (ties: the first line read). */
  readonly companyId: number;
  readonly firstEventTime: number;
  /** 5 platform counts then 7 event-type counts, in category-list order. */
  readonly counts: readonly number[];
}

/** The full 17-feature vector by name (same shape as a Kinesis record's `features`). */
export interface FeatureValues {
  industry: string;
  region: string;
  social_type: string;
  iphone: number;
  android: number;
  pc: number;
  ipad: number;
  other: number;
  customize_tpl: number;
  download_tpl: number;
  share_tpl: number;
  inspect: number;
  view_report: number;
  share_report: number;
  cancel_inspection: number;
  gender: number;
  age: number;
}

/** One row of features.tsv. */
export interface FeatureRow {
  readonly userId: number;
  readonly week: WeekId;
  readonly features: FeatureValues;
}

/** The joined week: what features.tsv and active_users.txt hold, plus the join counts. */
export interface ExtractedWeek {
  readonly week: WeekId;
  /** Joined users, ascending by userId. */
  readonly rows: FeatureRow[];
  /** Every user with at least one valid event, joined or not, ascending. */
  readonly activeUsers: number[];
  /** Number of active users. */
  readonly users: number;
  /** Users that joined both CRM and profile (rows.length). */
  readonly joined: number;
  /** Users whose company has no CRM row / who have no profile row (a user may count in both). */
  readonly unmatched: { crm: number; profile: number };
}

/** Raw rejects kept per source and reason; the rest are counted only. */
export const DEFAULT_REJECTS_KEPT_PER_REASON = 1000;

/** The extraction's verdict as the manifest records it (see verdict.ts). */
export interface ManifestVerdict {
  /** ok: use it; dirty: use it, with the message as a warning; failed: do not use it. */
  readonly status: 'ok' | 'dirty' | 'failed';
  /** One line for a person: what, how many, why, and the likely fix (empty when ok). */
  readonly message: string;
}

/** How many raw rejects rejects.jsonl holds: at most `perReason` per source and reason. */
export interface RejectsKept {
  readonly perReason: number;
  /** Rejects counted but not written, by reason (only reasons with some). */
  readonly notKept: Partial<Record<RejectReason, number>>;
}

/** manifest.json (formatVersion 2: verdict and rejectsKept added, baseWeek optional). */
export interface Manifest {
  readonly formatVersion: 2;
  readonly week: WeekId;
  /** The calendar a numbered week was checked against; absent: none (ISO weeks carry their own). */
  readonly baseWeek?: WeekId;
  readonly verdict: ManifestVerdict;
  readonly rejectsKept: RejectsKept;
  /** Every input: event sources, the CRM and profile tables, category lists if given. */
  readonly sources: (SourceInfo & { kind: 'events' | 'crm' | 'profiles' | 'meta' })[];
  /** Event lines. */
  readonly linesRead: number;
  readonly accepted: number;
  readonly rejected: Partial<Record<RejectReason, number>>;
  readonly users: number;
  readonly joined: number;
  readonly unmatched: { crm: number; profile: number };
  /** The tables' own counts; `rows` = distinct keys kept. */
  readonly tables: {
    crm: LineCounts & { rows: number };
    profiles: LineCounts & { rows: number };
  };
}
