/**
 * Per-user counts for one week, in columns: one slot per user (dense, in order of first
 * appearance), found through an IdMap. Hot loops read the columns directly; they are
 * replaced (not resized in place) when the table grows, so callers reload them after addUser.
 */
import { EVENT_TYPE_FEATURE_NAMES, PLATFORM_FEATURE_NAMES } from '../schema.ts';
import { IdMap } from './id-map.ts';

export const PLATFORM_COUNT = PLATFORM_FEATURE_NAMES.length; // 5
export const COUNT_WIDTH = PLATFORM_FEATURE_NAMES.length + EVENT_TYPE_FEATURE_NAMES.length; // 12

export class UserTable {
  readonly slots = new IdMap();
  size = 0;
  userIds = new Float64Array(1024);
  companyIds = new Float64Array(1024);
  /** event_time of the user's earliest event so far (+Infinity before the first). */
  firstTimes = new Float64Array(1024);
  /** COUNT_WIDTH counts per slot: platforms then event types. */
  counts = new Uint32Array(1024 * COUNT_WIDTH);

  /** The user's slot, or -1. */
  slotOf(userId: number): number {
    return this.slots.get(userId);
  }

  /** Adds a user that has no slot yet and returns its slot. */
  addUser(userId: number): number {
    const slot = this.size++;
    if (slot >= this.userIds.length) this.grow();
    this.userIds[slot] = userId;
    this.firstTimes[slot] = Infinity;
    this.companyIds[slot] = -1;
    this.slots.set(userId, slot);
    return slot;
  }

  /** Adds counts for a user (merge and parse paths; the event hot loop inlines this). */
  addCounts(userId: number, companyId: number, firstTime: number, counts: ArrayLike<number>, offset: number): void {
    let slot = this.slots.get(userId);
    if (slot < 0) slot = this.addUser(userId);
    const base = slot * COUNT_WIDTH;
    for (let i = 0; i < COUNT_WIDTH; i++) this.counts[base + i] += counts[offset + i];
    if (firstTime < this.firstTimes[slot]) {
      this.firstTimes[slot] = firstTime;
      this.companyIds[slot] = companyId;
    }
  }

  private grow(): void {
    const capacity = this.userIds.length * 2;
    const widen = <T extends Float64Array | Uint32Array>(old: T, make: (n: number) => T, n: number): T => {
      const next = make(n);
      next.set(old);
      return next;
    };
    this.userIds = widen(this.userIds, (n) => new Float64Array(n), capacity);
    this.companyIds = widen(this.companyIds, (n) => new Float64Array(n), capacity);
    this.firstTimes = widen(this.firstTimes, (n) => new Float64Array(n), capacity);
    this.counts = widen(this.counts, (n) => new Uint32Array(n), capacity * COUNT_WIDTH);
  }
}
