/**
 * Per-user counts for one week, one 32-byte row per user (two rows a cache line: the table
 * of 100k users stays in cache while the input streams past): 5 platform counts and 7
 * event-type counts as 16-bit words, and the user's earliest event_time as seconds from the
 * week's start (< 2^20) in two words. A count that passes 65535 carries into a Map, so no
 * count is ever capped. Rows are dense, in order of first appearance, found through an
 * IdMap; the company of the earliest event lives beside them (written only when the earliest
 * time improves). Columns are replaced, not resized in place, when the table grows.
 */
import { EVENT_TYPE_FEATURE_NAMES, PLATFORM_FEATURE_NAMES } from '#core/schema.ts';
import { IdMap } from './id-map.ts';

export const PLATFORM_COUNT = PLATFORM_FEATURE_NAMES.length; // 5
export const COUNT_WIDTH = PLATFORM_FEATURE_NAMES.length + EVENT_TYPE_FEATURE_NAMES.length; // 12
/** 16-bit words per row: the counts, the first-event offset (low, high), padding. */
export const ROW = 16;
/** The first event's offset sits right after the counts (row[12], row[13]). */
export const FIRST_LO = COUNT_WIDTH + 0;
export const FIRST_HI = COUNT_WIDTH + 1;
const NO_EVENT = 0xffff_ffff;

export class UserTable {
  readonly weekStart: number;
  readonly slots = new IdMap();
  size = 0;
  userIds = new Float64Array(1024);
  companyIds = new Float64Array(1024);
  rows = new Uint16Array(1024 * ROW);
  /** Row word index → multiples of 65536 carried out of that 16-bit count. */
  private readonly carried = new Map<number, number>();

  constructor(weekStart: number) {
    this.weekStart = weekStart;
  }

  /** The user's slot, or -1. */
  slotOf(userId: number): number {
    return this.slots.get(userId);
  }

  // The accessors below take a slot this table handed out (slotOf, addUser, sortedSlots):
  // in range by construction, and read per user on the output paths, so `!` and no check.

  /** The user id of a slot. */
  userIdAt(slot: number): number {
    return this.userIds[slot]!;
  }

  /** The company of the user's earliest event (-1 before any event). */
  companyIdAt(slot: number): number {
    return this.companyIds[slot]!;
  }

  /** Adds a user that has no slot yet and returns its slot. */
  addUser(userId: number): number {
    const slot = this.size++;
    if (slot >= this.userIds.length) this.grow();
    this.userIds[slot] = userId;
    this.companyIds[slot] = -1;
    this.rows[slot * ROW + FIRST_LO] = 0xffff;
    this.rows[slot * ROW + FIRST_HI] = 0xffff;
    this.slots.set(userId, slot);
    return slot;
  }

  /** Called when the 16-bit count at word `index` wrapped to 0: keeps the 65536 elsewhere. */
  carry(index: number): void {
    this.carried.set(index, (this.carried.get(index) ?? 0) + 65536);
  }

  /** Count k (0..11) of a slot. */
  count(slot: number, k: number): number {
    const index = slot * ROW + k;
    const carried = this.carried.size === 0 ? 0 : (this.carried.get(index) ?? 0);
    return this.rows[index]! + carried;
  }

  /** The user's 12 counts. */
  countsOf(slot: number): number[] {
    const counts = new Array<number>(COUNT_WIDTH);
    for (let k = 0; k < COUNT_WIDTH; k++) counts[k] = this.count(slot, k);
    return counts;
  }

  private firstOffset(slot: number): number {
    const base = slot * ROW;
    return this.rows[base + FIRST_LO]! + this.rows[base + FIRST_HI]! * 65536;
  }

  /** event_time of the user's earliest event. */
  firstTime(slot: number): number {
    return this.weekStart + this.firstOffset(slot);
  }

  /** Adds counts for a user (merge and parse paths; the event hot loop inlines this). */
  addCounts(userId: number, companyId: number, firstTime: number, counts: ArrayLike<number>): void {
    let slot = this.slots.get(userId);
    if (slot < 0) slot = this.addUser(userId);
    const base = slot * ROW;
    if (counts.length !== COUNT_WIDTH) throw new Error(`addCounts: ${counts.length} counts, expected ${COUNT_WIDTH}`);
    for (let k = 0; k < COUNT_WIDTH; k++) {
      const total = this.count(slot, k) + counts[k]!;
      this.rows[base + k] = total & 0xffff;
      const high = total - (total & 0xffff);
      if (high > 0) this.carried.set(base + k, high);
    }
    const relative = firstTime - this.weekStart;
    if (!(relative >= 0 && relative < NO_EVENT)) throw new Error(`first event time ${firstTime} is outside the week`);
    if (relative < this.firstOffset(slot)) {
      this.rows[base + FIRST_LO] = relative & 0xffff;
      this.rows[base + FIRST_HI] = Math.floor(relative / 65536);
      this.companyIds[slot] = companyId;
    }
  }

  private grow(): void {
    const capacity = this.userIds.length * 2;
    const userIds = new Float64Array(capacity);
    userIds.set(this.userIds);
    this.userIds = userIds;
    const companyIds = new Float64Array(capacity);
    companyIds.set(this.companyIds);
    this.companyIds = companyIds;
    const rows = new Uint16Array(capacity * ROW);
    rows.set(this.rows);
    this.rows = rows;
  }
}
