/**
 * The join: per-user counts ⋈ CRM on the company of the user's first event ⋈ profile on
 * user id. Users that miss either table are not dropped silently: they stay in the active
 * users and are counted as unmatched (a user missing both counts in both).
 *
 * The joined week stays in columns; `rows` builds FeatureRow objects only when asked, and
 * features.tsv is written straight from the columns (a million users would otherwise mean a
 * million objects just to print them).
 */
import { EVENT_TYPE_FEATURE_NAMES, PLATFORM_FEATURE_NAMES, categoryName, type Categories } from '#core/schema.ts';
import type { WeekId } from '#core/weeks.ts';
import type { EventAggregate } from './event-aggregate.ts';
import type { CrmTable, ProfileTable } from './tables.ts';
import type { CrmRecord, ExtractedWeek, FeatureRow, FeatureValues } from './types.ts';
import { COUNT_WIDTH, type UserTable } from './user-table.ts';
import { ByteWriter, encodeNames } from './byte-writer.ts';

const TAB = 9;
const LF = 10;
/** The 12 count features, in the order of a UserTable row. */
const COUNT_NAMES = [...PLATFORM_FEATURE_NAMES, ...EVENT_TYPE_FEATURE_NAMES];

export function joinWeek(aggregate: EventAggregate, crm: CrmTable, profiles: ProfileTable): ExtractedWeek {
  const t = aggregate.table;
  const order = aggregate.sortedSlots();
  const activeUsers = new Array<number>(order.length);
  const joinedSlots = new Uint32Array(order.length);
  const companies: CrmRecord[] = [];
  const packed = new Int32Array(order.length);
  let joined = 0;
  let noCrm = 0;
  let noProfile = 0;
  for (let i = 0; i < order.length; i++) {
    const slot = order[i]!; // per user: i < order.length
    const userId = t.userIdAt(slot);
    activeUsers[i] = userId;
    const company = crm.get(t.companyIdAt(slot));
    const profile = profiles.packed(userId);
    if (company === undefined) noCrm++;
    if (profile < 0) noProfile++;
    if (company === undefined || profile < 0) continue;
    joinedSlots[joined] = slot;
    companies.push(company);
    packed[joined] = profile;
    joined++;
  }
  return new JoinedWeek({
    week: aggregate.week,
    table: t,
    names: crm.categories.source,
    activeUsers,
    slots: joinedSlots.subarray(0, joined),
    companies,
    packed: packed.subarray(0, joined),
    unmatched: { crm: noCrm, profile: noProfile },
  });
}

interface JoinedColumns {
  readonly week: WeekId;
  readonly table: UserTable;
  readonly names: Categories;
  readonly activeUsers: number[];
  /** Joined users' slots, ascending by user id. */
  readonly slots: Uint32Array;
  readonly companies: readonly CrmRecord[];
  /** gender + 2 × age per joined user. */
  readonly packed: Int32Array;
  readonly unmatched: { crm: number; profile: number };
}

class JoinedWeek implements ExtractedWeek {
  readonly week: WeekId;
  readonly activeUsers: number[];
  readonly users: number;
  readonly joined: number;
  readonly unmatched: { crm: number; profile: number };
  private readonly columns: JoinedColumns;
  private materialized: FeatureRow[] | undefined;

  constructor(columns: JoinedColumns) {
    this.columns = columns;
    this.week = columns.week;
    this.activeUsers = columns.activeUsers;
    this.users = columns.activeUsers.length;
    this.joined = columns.slots.length;
    this.unmatched = columns.unmatched;
  }

  get rows(): FeatureRow[] {
    this.materialized ??= Array.from({ length: this.joined }, (_, i) => this.row(i));
    return this.materialized;
  }

  /** features.tsv rows (without the header) as bytes, in ~64 KiB chunks, from the columns. */
  *featureBytes(): Generator<Uint8Array> {
    const { table, names, slots, companies, packed } = this.columns;
    const industry = encodeNames(names.industry);
    const region = encodeNames(names.region);
    const social = encodeNames(names.social_type);
    const out = new ByteWriter();
    const week = new TextEncoder().encode(`\t${this.week}\t`);
    // Per joined user: slots, companies and packed have one entry each, and a company's
    // indices were matched against these very lists, so the reads carry `!`.
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      const c = companies[i]!;
      const p = packed[i]!;
      out.uint(table.userIdAt(slot));
      out.bytes(week);
      out.bytes(industry[c.industry]!);
      out.byte(TAB);
      out.bytes(region[c.region]!);
      out.byte(TAB);
      out.bytes(social[c.socialType]!);
      for (let k = 0; k < COUNT_WIDTH; k++) {
        out.byte(TAB);
        out.uint(table.count(slot, k));
      }
      out.byte(TAB);
      out.uint(p & 1);
      out.byte(TAB);
      out.uint(p >> 1);
      out.byte(LF);
      if (out.full) yield out.take();
    }
    const rest = out.take();
    if (rest.length > 0) yield rest;
  }

  private row(i: number): FeatureRow {
    const { table, names, slots, companies, packed } = this.columns;
    const slot = slots[i];
    const c = companies[i];
    const p = packed[i];
    if (slot === undefined || c === undefined || p === undefined)
      throw new RangeError(`joined row ${i} does not exist (${this.joined} rows)`);
    const values: Record<string, string | number> = {
      industry: categoryName(names, 'industry', c.industry),
      region: categoryName(names, 'region', c.region),
      social_type: categoryName(names, 'social_type', c.socialType),
    };
    COUNT_NAMES.forEach((name, k) => (values[name] = table.count(slot, k)));
    values.gender = p & 1;
    values.age = p >> 1;
    return { userId: table.userIdAt(slot), week: this.week, features: values as unknown as FeatureValues };
  }
}
