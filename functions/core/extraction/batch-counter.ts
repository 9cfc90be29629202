/**
 * Counts parsed event lines into a UserTable, a batch at a time, in cache-sized partitions.
 *
 * With 100k users the table (32 bytes a user, plus the id map) is several MB: counting
 * lines in file order makes nearly every line a cache miss, and that cost as much as all
 * the parsing. So a batch is large (it grows to MAX_BATCH lines), its lines are first given
 * their users' slots, then regrouped by slot range (a stable counting sort) so that each
 * group's rows fit in a core's L2 cache, and counted group by group: a row then serves
 * several lines while it is in cache. Within a user the lines keep their file order, so the
 * earliest event's company is the same one an in-order count picks.
 */
import { EventBatch } from './event-line.ts';
import { FIRST_HI, FIRST_LO, PLATFORM_COUNT, ROW, type UserTable } from './user-table.ts';

/** The first batch is small (a small input allocates little); each full one doubles it up to MAX_BATCH. */
const FIRST_BATCH = 256;
/** 512k lines: ~30 MB of columns, and 5 lines a user between two visits of a row at 100k users. */
const MAX_BATCH = 1 << 19;
/** A group covers 2^12 slots: 4096 rows of 32 bytes = 128 KiB, well inside a 512 KiB L2. */
const GROUP_SHIFT = 12;

/** The lines of a batch once regrouped: slot, key, time and company, in group order. */
class Grouped {
  readonly slots: Int32Array;
  readonly keys: Int32Array;
  readonly times: Uint32Array;
  readonly companies: Float64Array;
  constructor(size: number) {
    this.slots = new Int32Array(size);
    this.keys = new Int32Array(size);
    this.times = new Uint32Array(size);
    this.companies = new Float64Array(size);
  }
}

export class BatchCounter {
  private readonly table: UserTable;
  /** Where the parser writes lines; replaced by a larger one as batches fill (read it again after count()). */
  batch = new EventBatch(FIRST_BATCH);
  private slots = new Int32Array(FIRST_BATCH);
  private grouped = new Grouped(FIRST_BATCH);
  private groupStarts = new Int32Array(2);

  constructor(table: UserTable) {
    this.table = table;
  }

  /** Lines the current batch holds. */
  get capacity(): number {
    return this.batch.users.length;
  }

  /** Counts batch lines [0, n), then makes room for more if the batch was full. */
  count(n: number): void {
    if (n === 0) return;
    this.findSlots(n);
    this.regroup(n);
    this.countGrouped(n);
    if (n === this.capacity && n < MAX_BATCH) this.resize(n * 2);
  }

  private resize(size: number): void {
    this.batch = new EventBatch(size);
    this.slots = new Int32Array(size);
    this.grouped = new Grouped(size);
  }

  /** Each line's slot (a new user gets one). */
  private findSlots(n: number): void {
    const table = this.table;
    const users = this.batch.users;
    const slots = this.slots;
    let direct = table.slots.direct;
    let limit = direct.length;
    // i < n ≤ the batch's length, so the reads carry `!` instead of checks.
    for (let i = 0; i < n; i++) {
      const userId = users[i]!;
      let slot = userId < limit ? direct[userId]! - 1 : -1;
      if (slot < 0) {
        slot = table.slotOf(userId);
        if (slot < 0) slot = table.addUser(userId);
        direct = table.slots.direct;
        limit = direct.length;
      }
      slots[i] = slot;
    }
  }

  /** A stable counting sort of the lines by slot group, into `grouped`. */
  private regroup(n: number): void {
    const groups = (this.table.size >> GROUP_SHIFT) + 1;
    if (this.groupStarts.length < groups + 1) this.groupStarts = new Int32Array(groups + 1);
    const starts = this.groupStarts.fill(0);
    const slots = this.slots;
    for (let i = 0; i < n; i++) starts[(slots[i]! >> GROUP_SHIFT) + 1]!++;
    for (let g = 1; g <= groups; g++) starts[g]! += starts[g - 1]!;
    const { keys, times, companies } = this.batch;
    const out = this.grouped;
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!;
      const j = starts[slot >> GROUP_SHIFT]!++;
      out.slots[j] = slot;
      out.keys[j] = keys[i]!;
      out.times[j] = times[i]!;
      out.companies[j] = companies[i]!;
    }
  }

  /** Adds each grouped line to its user's row: a platform count, an event-type count, the earliest event. */
  private countGrouped(n: number): void {
    const table = this.table;
    const rows = table.rows;
    const companyIds = table.companyIds;
    const { slots, keys, times, companies } = this.grouped;
    // A slot's row lies inside rows (the table grew in findSlots), so `!` and no checks.
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!;
      const base = slot * ROW;
      const key = keys[i]!;
      const a = base + (key & 0xff);
      const b = base + PLATFORM_COUNT + (key >> 8);
      if (++rows[a]! === 65536) table.carry(a); // the stored word wrapped to 0
      if (++rows[b]! === 65536) table.carry(b);
      const time = times[i]!;
      if (time < rows[base + FIRST_LO]! + rows[base + FIRST_HI]! * 65536) {
        rows[base + FIRST_LO] = time & 0xffff;
        rows[base + FIRST_HI] = time >>> 16;
        companyIds[slot] = companies[i]!;
      }
    }
  }
}
