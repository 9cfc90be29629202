/**
 * The text of the extracted week's files (docs/formats.md): features.tsv, active_users.txt,
 * rejects.jsonl, manifest.json, with their readers. Readers check what they read and throw
 * with the line number: these are our own files, so damage is corruption or a bug.
 */
import { FEATURE_NAMES, FEATURES, GENDERS, type Categories } from '#core/schema.ts';
import { isWeekId, type WeekId } from '#core/weeks.ts';
import { assertLineCounts } from './line-stream.ts';
import { ByteWriter } from './byte-writer.ts';
import {
  REJECT_REASONS,
  type ExtractedWeek,
  type FeatureRow,
  type FeatureValues,
  type LineCounts,
  type Manifest,
  type ManifestVerdict,
  type Reject,
  type RejectsKept,
  type RejectReason,
} from './types.ts';

export const FEATURES_TSV_HEADER: readonly string[] = ['user_id', 'week', ...FEATURE_NAMES];

function featureRowLine(row: FeatureRow): string {
  const f = row.features as unknown as Record<string, string | number>;
  let line = `${row.userId}\t${row.week}`;
  for (const name of FEATURE_NAMES) line += `\t${f[name]}`;
  return line;
}

/**
 * features.tsv as bytes in ~64 KiB chunks (header first), for streaming writes: straight from
 * the columns of a week made by joinWeek, else from its rows.
 */
export function* featuresTsvChunks(week: Pick<ExtractedWeek, 'rows'>): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  yield encoder.encode(FEATURES_TSV_HEADER.join('\t') + '\n');
  const columnar = week as { featureBytes?: () => Iterable<Uint8Array> };
  if (typeof columnar.featureBytes === 'function') {
    yield* columnar.featureBytes();
    return;
  }
  let lines: string[] = [];
  for (const row of week.rows) {
    lines.push(featureRowLine(row) + '\n');
    if (lines.length === 1000) {
      yield encoder.encode(lines.join(''));
      lines = [];
    }
  }
  if (lines.length > 0) yield encoder.encode(lines.join(''));
}

/** features.tsv: header row, then one row per joined user in the order given (sorted by joinWeek). */
export function formatFeaturesTsv(week: Pick<ExtractedWeek, 'rows'>): string {
  const decoder = new TextDecoder();
  return [...featuresTsvChunks(week)].map((chunk) => decoder.decode(chunk)).join('');
}

/** One row of features.tsv as `readFeaturesTsv` hands it over. */
export interface FeaturesTsvVisitor {
  /** Called once, after the header is checked and before the first row, with the number of rows. */
  readonly begin?: (rows: number) => void;
  /**
   * Called for each row in file order. `values` is in FEATURES order (schema.ts): counts and
   * age as numbers, gender 0/1, other categories by name. It is reused: copy what you keep.
   */
  readonly row: (userId: number, week: WeekId, values: readonly (string | number)[]) => void;
}

/**
 * The one reader of features.tsv: checks the header and every row, and hands each row to
 * `visitor` without building an object per row (a million rows stay cheap). With
 * `categories`, category values must be names from those lists. `source` names the file in
 * errors (default "features.tsv").
 */
export function readFeaturesTsv(
  text: string,
  visitor: FeaturesTsvVisitor,
  options: { categories?: Categories; source?: string } = {},
): void {
  const source = options.source ?? 'features.tsv';
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = withoutCr(lines[0] ?? '');
  if (header !== FEATURES_TSV_HEADER.join('\t')) {
    throw new Error(`${source}: header must be "${FEATURES_TSV_HEADER.join(' ')}", got "${header}"`);
  }
  const known = FEATURES.map((spec) =>
    spec.kind === 'categorical' && spec.categories !== undefined && spec.categories !== 'gender'
      ? options.categories?.[spec.categories]
      : undefined,
  );
  const values: (string | number)[] = new Array(FEATURES.length);
  visitor.begin?.(Math.max(lines.length - 1, 0));
  let checkedWeek: string | undefined;
  // Counted loops over lines and features: a million rows × 17 fields, no iterator per row.
  for (let i = 1; i < lines.length; i++) {
    const fields = withoutCr(lines[i]!).split('\t');
    // Messages are built only on failure (no string or closure per row: a week has a million).
    if (fields.length !== FEATURES_TSV_HEADER.length) {
      throw new Error(`${source} line ${i + 1}: ${fields.length} fields, expected ${FEATURES_TSV_HEADER.length}`);
    }
    // Below, fields[0 .. FEATURES_TSV_HEADER.length - 1] exist (the count was just checked).
    const userId = featureNumber(fields[0]!, source, i + 1, 'user_id');
    const week = fields[1]!;
    if (week !== checkedWeek) {
      if (!isWeekId(week)) throw new Error(`${source} line ${i + 1}: "${week}" is not a week`);
      checkedWeek = week;
    }
    for (let k = 0; k < FEATURES.length; k++) {
      const spec = FEATURES[k]!;
      const raw = fields[k + 2]!;
      if (spec.kind === 'continuous') {
        values[k] = featureNumber(raw, source, i + 1, spec.name);
      } else if (spec.categories === 'gender') {
        const gender = (GENDERS as readonly string[]).indexOf(raw);
        if (gender < 0) throw new Error(`${source} line ${i + 1}: gender must be 0 or 1, got "${raw}"`);
        values[k] = gender;
      } else {
        const allowed = known[k];
        if (raw === '' || (allowed !== undefined && !allowed.includes(raw))) {
          throw new Error(`${source} line ${i + 1}: unknown ${spec.name} "${raw}"`);
        }
        values[k] = raw;
      }
    }
    visitor.row(userId, week, values);
  }
}

/**
 * Reads features.tsv into rows (readFeaturesTsv checks it). With `categories`, category
 * values must be names from those lists. Rows come back in file order.
 */
export function parseFeaturesTsv(text: string, options: { categories?: Categories } = {}): FeatureRow[] {
  const rows: FeatureRow[] = [];
  readFeaturesTsv(
    text,
    {
      row: (userId, week, values) => {
        const features = Object.fromEntries(FEATURE_NAMES.map((name, k) => [name, values[k]]));
        rows.push({ userId, week, features: features as unknown as FeatureValues });
      },
    },
    options,
  );
  return rows;
}

function withoutCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function wholeNumber(raw: string, what: string): number {
  if (!isWholeNumber(raw)) throw new Error(`${what}: expected a whole number ≥ 0, got "${raw}"`);
  return Number(raw);
}

/** wholeNumber for a field of features.tsv line `line`, the message built only on failure. */
function featureNumber(raw: string, source: string, line: number, name: string): number {
  if (!isWholeNumber(raw))
    throw new Error(`${source} line ${line}, ${name}: expected a whole number ≥ 0, got "${raw}"`);
  return Number(raw);
}

/** 1 to 15 ASCII digits (/^\d{1,15}$/, without a regular expression: it runs ~15M times for 1M rows). */
function isWholeNumber(raw: string): boolean {
  if (raw.length === 0 || raw.length > 15) return false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** active_users.txt: one id a line, ascending. */
export function formatActiveUsers(userIds: readonly number[]): string {
  return userIds.length === 0 ? '' : userIds.join('\n') + '\n';
}

/** active_users.txt as bytes in ~64 KiB chunks (no string per id: a million ids stay cheap). */
export function* activeUsersChunks(userIds: Iterable<number>): Generator<Uint8Array> {
  const out = new ByteWriter();
  for (const userId of userIds) {
    out.uint(userId);
    out.byte(10);
    if (out.full) yield out.take();
  }
  const rest = out.take();
  if (rest.length > 0) yield rest;
}

export function parseActiveUsers(text: string): number[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => wholeNumber(line.replace(/\r$/, ''), `active_users.txt line ${i + 1}`));
}

/** One line of rejects.jsonl (with its LF). */
export function formatReject(reject: Reject): string {
  return JSON.stringify({ source: reject.source, line: reject.line, reason: reject.reason, raw: reject.raw }) + '\n';
}

export function parseRejects(text: string): Reject[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line, i) => {
      const r = JSON.parse(line) as Reject;
      if (
        typeof r.source !== 'string' ||
        !Number.isInteger(r.line) ||
        !REJECT_REASONS.includes(r.reason) ||
        typeof r.raw !== 'string'
      ) {
        throw new Error(`rejects.jsonl line ${i + 1}: not a reject: ${line.slice(0, 200)}`);
      }
      return r;
    });
}

export interface ManifestInput {
  readonly week: WeekId;
  readonly baseWeek?: WeekId;
  readonly verdict: ManifestVerdict;
  readonly rejectsKept: RejectsKept;
  readonly sources: Manifest['sources'];
  /** Event line counts (EventAggregate.lineCounts). */
  readonly events: LineCounts;
  readonly extracted: Pick<ExtractedWeek, 'users' | 'joined' | 'unmatched'>;
  readonly crm: LineCounts & { rows: number };
  readonly profiles: LineCounts & { rows: number };
}

/** The manifest, after checking `linesRead == accepted + sum(rejected)` for events and both tables. */
export function buildManifest(input: ManifestInput): Manifest {
  assertLineCounts(input.events, `week ${input.week} events`);
  assertLineCounts(input.crm, 'the CRM table');
  assertLineCounts(input.profiles, 'the profile table');
  const { users, joined, unmatched } = input.extracted;
  if (joined > users || unmatched.crm > users || unmatched.profile > users) {
    throw new Error(`join counts do not fit: users ${users}, joined ${joined}, unmatched ${JSON.stringify(unmatched)}`);
  }
  return {
    formatVersion: 2,
    week: input.week,
    ...(input.baseWeek === undefined ? {} : { baseWeek: input.baseWeek }),
    verdict: { status: input.verdict.status, message: input.verdict.message },
    rejectsKept: { perReason: input.rejectsKept.perReason, notKept: orderedReasons(input.rejectsKept.notKept) },
    sources: input.sources.map((s) => ({ kind: s.kind, name: s.name, bytes: s.bytes, sha256: s.sha256 })),
    linesRead: input.events.linesRead,
    accepted: input.events.accepted,
    rejected: orderedReasons(input.events.rejected),
    users,
    joined,
    unmatched: { crm: unmatched.crm, profile: unmatched.profile },
    tables: {
      crm: {
        linesRead: input.crm.linesRead,
        accepted: input.crm.accepted,
        rejected: orderedReasons(input.crm.rejected),
        rows: input.crm.rows,
      },
      profiles: {
        linesRead: input.profiles.linesRead,
        accepted: input.profiles.accepted,
        rejected: orderedReasons(input.profiles.rejected),
        rows: input.profiles.rows,
      },
    },
  };
}

function orderedReasons(rejected: Partial<Record<RejectReason, number>>): Partial<Record<RejectReason, number>> {
  const out: Partial<Record<RejectReason, number>> = {};
  for (const r of REJECT_REASONS) if (rejected[r]) out[r] = rejected[r];
  return out;
}

const VERDICTS: readonly ManifestVerdict['status'][] = ['ok', 'dirty', 'failed'];

export function formatManifest(manifest: Manifest): string {
  return JSON.stringify(manifest, null, 2) + '\n';
}

/** Reads manifest.json, checking its version and the line-count invariants. */
export function parseManifest(text: string): Manifest {
  const m = JSON.parse(text) as Manifest;
  if (m?.formatVersion !== 2)
    throw new Error(`manifest.json: formatVersion must be 2, got ${JSON.stringify(m?.formatVersion)}`);
  if (!isWeekId(m.week)) throw new Error(`manifest.json: "${m.week}" is not a week`);
  if (!VERDICTS.includes(m.verdict?.status) || typeof m.verdict.message !== 'string') {
    throw new Error(`manifest.json of week ${m.week}: verdict must be ok, dirty or failed with a message`);
  }
  for (const r of Object.keys(m.rejected ?? {})) {
    if (!REJECT_REASONS.includes(r as RejectReason)) throw new Error(`manifest.json: unknown reject reason "${r}"`);
  }
  assertLineCounts(m, `manifest.json of week ${m.week}`);
  assertLineCounts(m.tables.crm, 'manifest.json CRM table');
  assertLineCounts(m.tables.profiles, 'manifest.json profile table');
  return m;
}
