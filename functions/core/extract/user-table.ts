/**
 * Per-user counts for one week, one 64-byte row per user (a cache line): 5 platform counts,
 * 7 event-type counts, and the user's earliest event_time as seconds from the week's start
 * (fits 32 bits for any week). Rows are dense, in order of first appearance, found through an
 * IdMap; the company of the earliest event lives beside them (written only when the earliest
 * time improves). Columns are replaced, not resized in place, when the table grows.
 */
import { EVENT_TYPE_FEATURE_NAMES, PLATFORM_FEATURE_NAMES } from '../schema.ts';
import { IdMap } from './id-map.ts';

export const PLATFORM_COUNT = PLATFORM_FEATURE_NAMES.length; // 5
export const COUNT_WIDTH = PLATFORM_FEATURE_NAMES.length + EVENT_TYPE_FEATURE_NAMES.length; // 12
/** Words per row: the counts, then the first-event offset, then padding to 64 bytes. */
export const ROW = 16;
export const FIRST_OFFSET = COUNT_WIDTH; // row[12]
const NO_EVENT = 0xffffffff;

export class UserTable {
  readonly weekStart: number;
  readonly slots = new IdMap();
  size = 0;
  userIds = new Float64Array(1024);
  companyIds = new Float64Array(1024);
  rows = new Uint32Array(1024 * ROW);

  constructor(weekStart: number) {
    this.weekStart = weekStart;
  }

  /** The user's slot, or -1. */
  slotOf(userId: number): number {
    return this.slots.get(userId);
  }

  /** Adds a user that has no slot yet and returns its slot. */
  addUser(userId: number): number {
    const slot = this.size++;
    if (slot >= this.userIds.length) this.grow();
    this.userIds[slot] = userId;
    this.companyIds[slot] = -1;
    this.rows[slot * ROW + FIRST_OFFSET] = NO_EVENT;
    this.slots.set(userId, slot);
    return slot;
  }

  /** event_time of the user's earliest event. */
  firstTime(slot: number): number {
    return this.weekStart + this.rows[slot * ROW + FIRST_OFFSET];
  }

  /** The user's 12 counts (a view, not a copy). */
  countsOf(slot: number): Uint32Array {
    return this.rows.subarray(slot * ROW, slot * ROW + COUNT_WIDTH);
  }

  /** Adds counts for a user (merge and parse paths; the event hot loop inlines this). */
  addCounts(userId: number, companyId: number, firstTime: number, counts: ArrayLike<number>, offset: number): void {
    let slot = this.slots.get(userId);
    if (slot < 0) slot = this.addUser(userId);
    const base = slot * ROW;
    for (let i = 0; i < COUNT_WIDTH; i++) this.rows[base + i] += counts[offset + i];
    const relative = firstTime - this.weekStart;
    if (!(relative >= 0 && relative < NO_EVENT)) throw new Error(`first event time ${firstTime} is outside the week`);
    if (relative < this.rows[base + FIRST_OFFSET]) {
      this.rows[base + FIRST_OFFSET] = relative;
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
    const rows = new Uint32Array(capacity * ROW);
    rows.set(this.rows);
    this.rows = rows;
  }
}
