/**
 * A week's per-user counts before the join (one extraction, or several parts merged), and
 * their text form `user_counts.tsv`, so the cloud can store them and join later when a CRM
 * or profile table arrives after the events.
 */
import { EVENT_TYPE_FEATURE_NAMES, PLATFORM_FEATURE_NAMES } from '#core/schema.ts';
import { weekCalendar, type WeekId } from '#core/weeks.ts';
import { REJECT_REASONS, type LineCounts, type RejectReason, type UserCounts } from './types.ts';
import { COUNT_WIDTH, UserTable } from './user-table.ts';

export interface EventAggregateInit {
  readonly week: WeekId;
  readonly baseWeek?: WeekId;
  readonly table: UserTable;
  readonly lineCounts: LineCounts;
  readonly sources: readonly string[];
}

export class EventAggregate {
  readonly week: WeekId;
  /** Undefined: a numbered week without a calendar. */
  readonly baseWeek: WeekId | undefined;
  /** Event lines over every source. */
  readonly lineCounts: LineCounts;
  /** Source names in the order read. */
  readonly sources: readonly string[];
  /** The columns (see UserTable); read-only by convention. */
  readonly table: UserTable;
  private order: Uint32Array | undefined;

  constructor(init: EventAggregateInit) {
    this.week = init.week;
    this.baseWeek = init.baseWeek;
    this.table = init.table;
    this.lineCounts = init.lineCounts;
    this.sources = init.sources;
  }

  /** Number of users with at least one valid event. */
  get size(): number {
    return this.table.size;
  }

  /** Slots in ascending user-id order. */
  sortedSlots(): Uint32Array {
    if (this.order === undefined) {
      // A native numeric sort of the ids, then each id's slot: much faster than sorting
      // slots with a comparator once there are a million users.
      const t = this.table;
      const ids = t.userIds.slice(0, t.size).sort();
      const order = new Uint32Array(t.size);
      for (let i = 0; i < order.length; i++) order[i] = t.slotOf(ids[i]!); // per user: a counted loop
      this.order = order;
    }
    return this.order;
  }

  /** Active user ids, ascending. */
  activeUserIds(): number[] {
    return Array.from(this.sortedSlots(), (slot) => this.table.userIdAt(slot));
  }

  /** One user's counts, or undefined when the user had no valid event. */
  get(userId: number): UserCounts | undefined {
    const slot = this.table.slotOf(userId);
    return slot < 0 ? undefined : this.atSlot(slot);
  }

  /** Every user, ascending by id. */
  *users(): IterableIterator<UserCounts> {
    for (const slot of this.sortedSlots()) yield this.atSlot(slot);
  }

  private atSlot(slot: number): UserCounts {
    const t = this.table;
    return {
      userId: t.userIdAt(slot),
      companyId: t.companyIdAt(slot),
      firstEventTime: t.firstTime(slot),
      counts: t.countsOf(slot),
    };
  }
}

/**
 * Merges the aggregates of several parts of one week: counts add up, the company is the one
 * of the earliest event (ties: the earlier part in the list). Line counts add up too.
 */
export function mergeAggregates(parts: readonly EventAggregate[]): EventAggregate {
  const [first] = parts;
  if (first === undefined) throw new Error('mergeAggregates needs at least one part');
  const { week, baseWeek } = first;
  const table = new UserTable(first.table.weekStart);
  const rejected = new Map<RejectReason, number>();
  let linesRead = 0;
  let accepted = 0;
  const sources: string[] = [];
  for (const part of parts) {
    if (part.week !== week || part.baseWeek !== baseWeek) {
      const base = (b: WeekId | undefined) => (b === undefined ? 'no base week' : `base ${b}`);
      throw new Error(`cannot merge week ${part.week} (${base(part.baseWeek)}) into week ${week} (${base(baseWeek)})`);
    }
    const t = part.table;
    for (let slot = 0; slot < t.size; slot++) {
      table.addCounts(t.userIdAt(slot), t.companyIdAt(slot), t.firstTime(slot), t.countsOf(slot));
    }
    linesRead += part.lineCounts.linesRead;
    accepted += part.lineCounts.accepted;
    for (const r of REJECT_REASONS) rejected.set(r, (rejected.get(r) ?? 0) + (part.lineCounts.rejected[r] ?? 0));
    sources.push(...part.sources);
  }
  const byReason: LineCounts['rejected'] = {};
  for (const r of REJECT_REASONS) {
    const n = rejected.get(r) ?? 0;
    if (n > 0) byReason[r] = n;
  }
  return new EventAggregate({
    week,
    baseWeek,
    table,
    sources,
    lineCounts: { linesRead, accepted, rejected: byReason },
  });
}

/** Header of user_counts.tsv. */
const USER_COUNTS_HEADER: readonly string[] = [
  'user_id',
  'company_id',
  'first_event_time',
  ...PLATFORM_FEATURE_NAMES,
  ...EVENT_TYPE_FEATURE_NAMES,
];

/** user_counts.tsv: header, then one row per active user, ascending by user_id. */
export function formatUserCounts(aggregate: EventAggregate): string {
  const t = aggregate.table;
  const lines = [USER_COUNTS_HEADER.join('\t')];
  for (const slot of aggregate.sortedSlots()) {
    lines.push(`${t.userIdAt(slot)}\t${t.companyIdAt(slot)}\t${t.firstTime(slot)}\t${t.countsOf(slot).join('\t')}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Reads user_counts.tsv back. The file holds no line counts; pass the part's manifest
 * counts if the merged manifest needs them. Throws with the line number on a malformed row
 * (it is our own format: damage is a bug or corruption, not user input).
 */
export function parseUserCounts(
  text: string,
  options: { week: WeekId; baseWeek?: WeekId; source?: string; lineCounts?: LineCounts },
): EventAggregate {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = lines[0]?.replace(/\r$/, '');
  if (header !== USER_COUNTS_HEADER.join('\t')) {
    throw new Error(`user_counts: header must be "${USER_COUNTS_HEADER.join(' ')}", got "${header ?? ''}"`);
  }
  const table = new UserTable(weekCalendar(options.week, options.baseWeek)?.start ?? 0);
  const row = new Float64Array(COUNT_WIDTH);
  for (const [i, line] of lines.entries()) {
    if (i === 0) continue; // the header
    const fields = line.replace(/\r$/, '').split('\t');
    const numbers = fields.map(Number);
    const [userId, companyId, firstTime] = numbers;
    if (
      fields.length !== USER_COUNTS_HEADER.length ||
      userId === undefined ||
      companyId === undefined ||
      firstTime === undefined ||
      numbers.some((n, k) => !Number.isInteger(n) || (n < 0 && k !== 1))
    ) {
      throw new Error(`user_counts line ${i + 1}: expected ${USER_COUNTS_HEADER.length} whole numbers, got "${line}"`);
    }
    if (table.slotOf(userId) >= 0) throw new Error(`user_counts line ${i + 1}: user ${userId} listed twice`);
    row.set(numbers.slice(3));
    table.addCounts(userId, companyId, firstTime, row);
  }
  return new EventAggregate({
    week: options.week,
    baseWeek: options.baseWeek,
    table,
    sources: options.source ? [options.source] : [],
    lineCounts: options.lineCounts ?? { linesRead: 0, accepted: 0, rejected: {} },
  });
}
