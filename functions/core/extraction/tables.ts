/**
 * The two lookup tables joined to the events: CRM (`company_id industry region social_type`)
 * and user profiles (`user_id gender age`). Same line machinery as the events (streams,
 * CRLF, 64 KiB limit, UTF-8 check) and the same keyed loop (keyed-table.ts): a key listed
 * twice keeps its first row and the later line is rejected as `duplicate_key`.
 */
import { AGE_MAX, AGE_MIN, DEFAULT_CATEGORIES, type Categories } from '#core/schema.ts';
import { compileCategories, matchName, type CompiledCategories } from './categories.ts';
import { idFault, MAX_ID_DIGITS } from './event-line.ts';
import { KeyedTable } from './keyed-table.ts';
import { CODE, asLine, classifyRejected, reasonOf, type LineStream } from './line-stream.ts';
import type { CrmRecord, ParseResult, ProfileRecord, RejectSink } from './types.ts';

const TAB = 9;
const LF = 10;
const CR = 13;
const CRM_FIELDS = 4;
const PROFILE_FIELDS = 3;

/** A CRM line as scanCrm writes it (one object reused for every line): company id, category indices. */
export interface CrmFields {
  id: number;
  industry: number;
  region: number;
  socialType: number;
}

/** A profile line as scanProfile writes it: user id, gender 0/1, age. */
export interface ProfileFields {
  id: number;
  gender: number;
  age: number;
}

const crmFields = (): CrmFields => ({ id: 0, industry: 0, region: 0, socialType: 0 });
const crmRecord = (f: CrmFields): CrmRecord => ({
  companyId: f.id,
  industry: f.industry,
  region: f.region,
  socialType: f.socialType,
});
const profileFields = (): ProfileFields => ({ id: 0, gender: 0, age: 0 });

// The scanners read bytes before the line's LF (every line ends with one), hence `buf[p]!`.

/** Reads an id field at p (must end with TAB) into out.id; returns the index after the TAB or -(code+1). */
function scanId(buf: Uint8Array, p: number, out: { id: number }): number {
  const q = p;
  let v = 0;
  let c: number;
  while ((c = buf[p]!) >= 48 && c <= 57) {
    v = v * 10 + (c - 48);
    p++;
  }
  if (c !== TAB || p === q || p - q > MAX_ID_DIGITS) return -1 - idFault(buf, q);
  out.id = v;
  return p + 1;
}

/** CRM line at p → out; index after LF or -(code+1). */
function scanCrm(buf: Uint8Array, p: number, cats: CompiledCategories, out: CrmFields): number {
  p = scanId(buf, p, out);
  if (p < 0) return p;
  for (let f = 0; f < 3; f++) {
    const list = f === 0 ? cats.industry : f === 1 ? cats.region : cats.social_type;
    const q = p;
    let c: number;
    while ((c = buf[p]!) !== TAB && c !== LF) p++;
    const last = f === 2;
    if (last !== (c === LF)) return -1 - CODE.unknown_category; // field count, settled by classifyRejected
    const end = last && p > q && buf[p - 1] === CR ? p - 1 : p;
    const index = matchName(list, buf, q, end);
    if (index < 0) return -1 - CODE.unknown_category;
    if (f === 0) out.industry = index;
    else if (f === 1) out.region = index;
    else out.socialType = index;
    p++;
  }
  return p;
}

/** Profile line at p → out; index after LF or -(code+1). */
function scanProfile(buf: Uint8Array, p: number, out: ProfileFields): number {
  p = scanId(buf, p, out);
  if (p < 0) return p;
  let c = buf[p]!;
  if ((c !== 48 && c !== 49) || buf[p + 1] !== TAB) return -1 - CODE.bad_gender;
  out.gender = c - 48;
  p += 2;
  let age = 0;
  const negative = buf[p] === 45;
  if (negative) p++;
  const digitsStart = p;
  while ((c = buf[p]!) >= 48 && c <= 57) {
    age = age * 10 + (c - 48);
    p++;
  }
  const digits = p - digitsStart;
  if (c === CR) c = buf[++p]!;
  if (c !== LF || digits === 0) return -1 - CODE.bad_number;
  if (negative || digits > 3 || age < AGE_MIN || age > AGE_MAX) return -1 - CODE.age_out_of_range;
  out.age = age;
  return p + 1;
}

/** The CRM table: company id → industry, region, social type (category indices). */
export class CrmTable extends KeyedTable<CrmFields> {
  readonly categories: CompiledCategories;
  private readonly rows: CrmRecord[] = [];

  constructor(options: { categories?: Categories; onReject?: RejectSink; rejectsPerReason?: number } = {}) {
    super(crmFields(), CRM_FIELDS, options.onReject, options.rejectsPerReason);
    this.categories = compileCategories(options.categories ?? DEFAULT_CATEGORIES);
  }

  get(companyId: number): CrmRecord | undefined {
    const slot = this.index.get(companyId);
    return slot < 0 ? undefined : this.rows[slot];
  }

  protected scanRow(buf: Uint8Array, p: number, out: CrmFields): number {
    return scanCrm(buf, p, this.categories, out);
  }

  /** The row's slot in `rows`. */
  protected keep(fields: CrmFields): number {
    return this.rows.push(crmRecord(fields)) - 1;
  }
}

/** The profile table: user id → gender, age (packed in one IdMap value). */
export class ProfileTable extends KeyedTable<ProfileFields> {
  constructor(options: { onReject?: RejectSink; rejectsPerReason?: number } = {}) {
    super(profileFields(), PROFILE_FIELDS, options.onReject, options.rejectsPerReason);
  }

  get(userId: number): ProfileRecord | undefined {
    const packed = this.index.get(userId);
    return packed < 0 ? undefined : { userId, gender: (packed & 1) as 0 | 1, age: packed >> 1 };
  }

  /** gender + 2 × age, or -1: the join's allocation-free lookup. */
  packed(userId: number): number {
    return this.index.get(userId);
  }

  protected scanRow(buf: Uint8Array, p: number, out: ProfileFields): number {
    return scanProfile(buf, p, out);
  }

  /** Gender and age packed: gender + 2 × age. */
  protected keep(fields: ProfileFields): number {
    return fields.gender + 2 * fields.age;
  }
}

/** Table input: text, bytes, or a stream of byte chunks. */
export type TableInput = string | Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface TableOptions {
  /** Source name for rejects and errors. */
  readonly name: string;
  readonly categories?: Categories;
  readonly onReject?: RejectSink;
}

async function fill<T extends LineStream>(table: T, input: TableInput, name: string): Promise<T> {
  table.beginSource(name);
  if (typeof input === 'string') table.push(new TextEncoder().encode(input));
  else if (input instanceof Uint8Array) table.push(input);
  else for await (const chunk of input) table.push(chunk);
  table.endSource();
  return table;
}

export function parseCrmTable(input: TableInput, options: TableOptions): Promise<CrmTable> {
  return fill(new CrmTable(options), input, options.name);
}

export function parseProfileTable(input: TableInput, options: Omit<TableOptions, 'categories'>): Promise<ProfileTable> {
  return fill(new ProfileTable(options), input, options.name);
}

/** One CRM line → record or reject reason. Never throws on bad input. */
export function parseCrmLine(
  line: string | Uint8Array,
  categories: Categories = DEFAULT_CATEGORIES,
): ParseResult<CrmRecord> {
  const buf = asLine(line);
  const out = crmFields();
  const r = scanCrm(buf, 0, compileCategories(categories), out);
  if (r < 0 || r !== buf.length) {
    return {
      ok: false,
      reason: reasonOf(classifyRejected(buf, 0, r < 0 ? -1 - r : CODE.field_count, CRM_FIELDS)),
    };
  }
  return { ok: true, value: crmRecord(out) };
}

/** One profile line → record or reject reason. Never throws (a non-numeric age is `bad_number`). */
export function parseProfileLine(line: string | Uint8Array): ParseResult<ProfileRecord> {
  const buf = asLine(line);
  const out = profileFields();
  const r = scanProfile(buf, 0, out);
  if (r < 0 || r !== buf.length) {
    return {
      ok: false,
      reason: reasonOf(classifyRejected(buf, 0, r < 0 ? -1 - r : CODE.field_count, PROFILE_FIELDS)),
    };
  }
  return { ok: true, value: { userId: out.id, gender: out.gender as 0 | 1, age: out.age } };
}
