/**
 * generateDemoData: the demo in the original formats (category lists, CRM, profiles, one
 * event log a week), the truth of the behaviour model (truth_<week>.tsv), seed.json and,
 * with a dirty rate, dirty_expected.json. Streams through a sink in bounded memory: per-user
 * state in typed arrays, events built one day at a time and sorted by time.
 */
import { CATEGORY_LISTS, DEFAULT_CATEGORIES, categoryName } from '#core/schema.ts';
import { DEFAULT_BASE_WEEK, nextWeek, parseWeekId, weekSpan, type WeekId } from '#core/weeks.ts';
import { ChunkWriter } from './chunk-writer.ts';
import {
  CRM_FAULTS,
  DirtyPlan,
  EVENT_FAULTS,
  PROFILE_FAULTS,
  writeDirtyCrm,
  writeDirtyEvent,
  writeDirtyProfile,
  type Fault,
  type FileExpectation,
} from './dirty.ts';
import {
  DAY_CUMULATIVE,
  EVENT_TYPE_COUNT,
  MAIN_PLATFORM_SHARE,
  PLATFORM_CUMULATIVE,
  activeAtStart,
  companyOf,
  createPopulation,
  returnsAfterAbsence,
  signups,
  userId,
  userWeek,
  type Population,
  type UserWeek,
} from './model.ts';
import { Random } from './random.ts';
import type { SeedSink } from './sink.ts';

export interface SeedOptions {
  /** Users (ids 1..users). Default 1000. */
  readonly users?: number;
  /** Companies (ids 0..companies-1; company_id = user_id % companies). Default users/10, at least 1. */
  readonly companies?: number;
  /** Weeks of events. Default 3. */
  readonly weeks?: number;
  /** Same seed, same options → byte-identical files. Default 1. */
  readonly seed?: number;
  /** Compress the event logs (`.log.gz`). */
  readonly gzip?: boolean;
  /** Name weeks by ISO week from this one (e.g. "2026-W46") instead of week0, week1, ... */
  readonly isoWeeks?: WeekId;
  /** Share of malformed lines added to the logs and tables, 0 ≤ rate < 1. Default 0. */
  readonly dirty?: number;
  /**
   * Files per week's log. Default 1 (`user_events_<week>.log`); more writes the week as
   * `week=<W>/part-0001.log` … (user i in part i mod N) and `week=<W>/_SUCCESS` listing
   * them: the data bucket's layout of a week in parts (docs/deploy.md).
   */
  readonly parts?: number;
  /** New users a week (from week 1), as a share of `users`. Default 0.04. */
  readonly signupRate?: number;
  /**
   * Weeks the population (and so the profile table) is sized for, ≥ weeks. Default: weeks. A
   * longer horizon lets a later run with more weeks keep the same tables and the same earlier
   * weeks byte for byte (the local demo adds weeks while it runs).
   */
  readonly horizonWeeks?: number;
}

interface SeedFileSummary {
  readonly name: string;
  /** Bytes before compression. */
  readonly bytes: number;
  readonly lines: number;
}

interface SeedWeekSummary {
  readonly week: WeekId;
  /** The week's log, or with parts its `_SUCCESS` list (written after them). */
  readonly eventsFile: string;
  /** The part files, in order (just `eventsFile` when the week is one file). */
  readonly eventParts: string[];
  readonly truthFile: string;
  readonly activeUsers: number;
  readonly events: number;
  /** Active users whose active_next is 1. */
  readonly retained: number;
  /** Users absent this week who come back next week. */
  readonly returning: number;
  /** Users who signed up this week (active in it, their first week). */
  readonly newUsers: number;
  /** Users signed up by this week (the initial users and every sign-up so far). */
  readonly signedUp: number;
}

export interface SeedResult {
  readonly options: Required<Omit<SeedOptions, 'isoWeeks'>> & { isoWeeks: WeekId | null };
  /** Every user id of the population (1..totalUsers, the profile table's rows): the initial users and the horizon's sign-ups. */
  readonly totalUsers: number;
  readonly files: SeedFileSummary[];
  readonly weeks: SeedWeekSummary[];
  /** Per file, for a dirty run (rate > 0); empty otherwise. */
  readonly dirtyExpected: Record<string, FileExpectation>;
}

const SECONDS_PER_DAY = 86_400;
const encoder = new TextEncoder();

function resolveOptions(opts: SeedOptions): SeedResult['options'] {
  const users = opts.users ?? 1000;
  const resolved = {
    users,
    companies: opts.companies ?? Math.max(1, Math.floor(users / 10)),
    weeks: opts.weeks ?? 3,
    seed: opts.seed ?? 1,
    gzip: opts.gzip ?? false,
    isoWeeks: opts.isoWeeks ?? null,
    dirty: opts.dirty ?? 0,
    parts: opts.parts ?? 1,
    signupRate: opts.signupRate ?? 0.04,
    horizonWeeks: Math.max(opts.horizonWeeks ?? 0, opts.weeks ?? 3),
  };
  const whole = (name: string, v: number, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) throw new Error(`${name} must be a whole number ≥ ${min}, got ${v}`);
  };
  whole('users', resolved.users, 1);
  whole('companies', resolved.companies, 1);
  whole('weeks', resolved.weeks, 1);
  whole('seed', resolved.seed, 0);
  whole('parts', resolved.parts, 1);
  whole('horizonWeeks', resolved.horizonWeeks, 1);
  if (!(resolved.signupRate >= 0 && resolved.signupRate <= 1))
    throw new Error(`signupRate must be in [0, 1], got ${resolved.signupRate}`);
  if (!(resolved.dirty >= 0 && resolved.dirty < 1)) throw new Error(`dirty must be in [0, 1), got ${resolved.dirty}`);
  if (resolved.isoWeeks !== null) {
    parseWeekId(resolved.isoWeeks);
    if (!resolved.isoWeeks.includes('-W'))
      throw new Error(`isoWeeks must be an ISO week like 2026-W46, got ${resolved.isoWeeks}`);
  }
  return resolved;
}

/** The week ids, event-log and truth file names of a run. */
function weekNames(
  options: SeedResult['options'],
): { week: WeekId; eventsFile: string; eventParts: string[]; truthFile: string }[] {
  const out = [];
  let iso = options.isoWeeks;
  const log = `.log${options.gzip ? '.gz' : ''}`;
  for (let k = 0; k < options.weeks; k++) {
    const week = iso ?? String(k);
    const stem = iso ? iso : `week${k}`;
    const single = `user_events_${stem}${log}`;
    const parts = Array.from(
      { length: options.parts },
      (_, p) => `week=${week}/part-${String(p + 1).padStart(4, '0')}${log}`,
    );
    out.push({
      week,
      eventsFile: options.parts > 1 ? `week=${week}/_SUCCESS` : single,
      eventParts: options.parts > 1 ? parts : [single],
      truthFile: `truth_${stem}.tsv`,
    });
    if (iso) iso = nextWeek(iso);
  }
  return out;
}

export async function generateDemoData(opts: SeedOptions, sink: SeedSink): Promise<SeedResult> {
  const options = resolveOptions(opts);
  const { users, companies, seed, dirty } = options;
  // Sign-ups per week are drawn per week, so the population up to any week is the same whatever the horizon.
  const newUsers = Array.from({ length: options.horizonWeeks }, (_, k) =>
    k === 0 ? 0 : signups(users, options.signupRate, seed, k),
  );
  const totalUsers = users + newUsers.reduce((a, b) => a + b, 0);
  const pop = createPopulation(totalUsers, companies, seed);
  const files: SeedFileSummary[] = [];
  const dirtyExpected: Record<string, FileExpectation> = {};
  const open = (name: string, gzip = false) => new ChunkWriter(sink.open(name, { gzip }));
  const done = async (name: string, w: ChunkWriter) => {
    await w.close();
    files.push({ name, bytes: w.bytes, lines: w.lines });
  };

  for (const list of CATEGORY_LISTS) {
    const w = open(`${list}.meta`);
    for (const value of DEFAULT_CATEGORIES[list]) {
      w.text(value);
      w.end();
    }
    await done(`${list}.meta`, w);
  }

  // c < companies: the population has an entry for it
  const crmRow = (c: number) => [
    String(c),
    categoryName(DEFAULT_CATEGORIES, 'industry', pop.industry[c]!),
    categoryName(DEFAULT_CATEGORIES, 'region', pop.region[c]!),
    categoryName(DEFAULT_CATEGORIES, 'social_type', pop.social[c]!),
  ];
  const profileRow = (i: number) => [String(userId(i)), String(pop.gender[i]), String(pop.age[i])];
  const tables = [
    { name: 'crm_info.data', rows: companies, row: crmRow, writeDirty: writeDirtyCrm, faults: CRM_FAULTS, stream: 2 },
    {
      name: 'nosql_user_profile.data',
      rows: totalUsers,
      row: profileRow,
      writeDirty: writeDirtyProfile,
      faults: PROFILE_FAULTS,
      stream: 3,
    },
  ];
  for (const t of tables) {
    const w = open(t.name);
    dirtyExpected[t.name] = await writeTable(
      w,
      t.rows,
      t.row,
      t.writeDirty,
      t.faults,
      new Random(seed, t.stream),
      dirty,
    );
    await done(t.name, w);
  }

  let active = new Uint8Array(totalUsers);
  const startRng = new Random(seed, 4);
  for (let i = 0; i < users; i++) active[i] = activeAtStart(pop, i, startRng) ? 1 : 0;
  /** Weeks each user has been away in a row (0 while active). */
  const away = new Uint8Array(totalUsers);
  const seenEver = new Uint8Array(totalUsers);
  const dayCounts = new Uint8Array(totalUsers * 7);
  const weeks: SeedWeekSummary[] = [];
  let signedUp = users;

  for (const [k, names] of weekNames(options).entries()) {
    const span = weekSpan(names.week, DEFAULT_BASE_WEEK);
    // This week's sign-ups are active in it: their first week.
    const joined = newUsers[k] ?? 0;
    for (let i = signedUp; i < signedUp + joined; i++) active[i] = 1;
    signedUp += joined;
    // The user loop: each active user's events per day, true probability and realized label.
    const next = new Uint8Array(totalUsers);
    const weekRng = new Random(seed, 10, k);
    const truth = open(names.truthFile);
    truth.text('user_id\tp_retained\tactive_next');
    truth.end();
    dayCounts.fill(0);
    const uw: UserWeek = { events: 0, pRetained: 0 };
    let activeUsers = 0;
    let events = 0;
    let retained = 0;
    let returning = 0;
    for (let i = 0; i < signedUp; i++) {
      if (!active[i]) {
        away[i] = Math.min(255, away[i]! + 1);
        if (returnsAfterAbsence(pop, i, away[i]!, weekRng)) {
          next[i] = 1;
          returning++;
        }
        continue;
      }
      away[i] = 0;
      userWeek(pop, i, weekRng, uw);
      const label = weekRng.chance(uw.pRetained) ? 1 : 0;
      next[i] = label;
      activeUsers++;
      retained += label;
      for (let e = 0; e < uw.events; e++) {
        const slot = i * 7 + weekRng.pick(DAY_CUMULATIVE);
        if (dayCounts[slot]! < 255) {
          dayCounts[slot]!++;
          events++;
        }
      }
      truth.int(userId(i));
      truth.byte(9);
      writeProbability(truth, uw.pRetained);
      truth.byte(9);
      truth.int(label);
      truth.end();
      if (truth.ready) await truth.flush();
    }
    await done(names.truthFile, truth);

    const logs = names.eventParts.map((name) => open(name, options.gzip));
    const expectation = await writeWeekEvents(logs, pop, dayCounts, seenEver, span, events, seed, k, dirty);
    for (const [p, log] of logs.entries()) await done(names.eventParts[p]!, log); // one writer per part name
    if (options.parts > 1) {
      // Written last: the week is complete only once every part is there.
      const list = open(names.eventsFile);
      list.text(names.eventParts.map((name) => name.slice(name.indexOf('/') + 1)).join('\n'));
      list.end();
      await done(names.eventsFile, list);
    }
    if (dirty > 0) dirtyExpected[names.eventsFile] = expectation;
    weeks.push({
      week: names.week,
      eventsFile: names.eventsFile,
      eventParts: names.eventParts,
      truthFile: names.truthFile,
      activeUsers,
      events,
      retained,
      returning,
      newUsers: joined,
      signedUp,
    });
    active = next;
  }

  const result: SeedResult = { options, totalUsers, files, weeks, dirtyExpected: dirty > 0 ? dirtyExpected : {} };
  const describe = open('seed.json');
  describe.text(
    JSON.stringify(
      { formatVersion: 1, generator: 'retention-forest seed', options, totalUsers, weeks, files },
      null,
      2,
    ),
  );
  describe.end();
  await done('seed.json', describe);
  if (dirty > 0) {
    const w = open('dirty_expected.json');
    w.text(JSON.stringify({ formatVersion: 1, rate: dirty, files: dirtyExpected }, null, 2));
    w.end();
    await done('dirty_expected.json', w);
  }
  return result;
}

/** p in [0, 1] with six decimals, without a string per line. */
function writeProbability(w: ChunkWriter, p: number): void {
  const micro = Math.round(p * 1e6);
  if (micro >= 1e6) {
    w.text('1.000000');
    return;
  }
  w.byte(48);
  w.byte(46);
  for (let d = 100_000; d >= 1; d /= 10) w.byte(48 + (Math.floor(micro / d) % 10));
}

/** A table (CRM or profiles), with its injected lines; returns what a reader should find. */
async function writeTable(
  w: ChunkWriter,
  rows: number,
  row: (i: number) => string[],
  writeDirty: (w: ChunkWriter, fault: Fault, row: string[], rng: Random) => void,
  faults: readonly Fault[],
  rng: Random,
  rate: number,
): Promise<FileExpectation> {
  const plan = new DirtyPlan(rng, rows, rate, faults);
  const dirtyLine = (fault: Fault, written: number) => {
    // Duplicates repeat a row already written (or row 0 before any: the same values either way).
    const source = fault === 'duplicate_key' ? rng.int(Math.max(1, written)) : rng.int(rows);
    writeDirty(w, fault, row(source), rng);
  };
  for (let i = 0; i < rows; i++) {
    for (let f = plan.nextFault(); f; f = plan.nextFault()) dirtyLine(f, i);
    const crlf = plan.validLine();
    const fields = row(i);
    for (let j = 0; j < fields.length; j++) {
      if (j > 0) w.byte(9);
      w.raw(encoder.encode(fields[j]));
    }
    w.end(crlf);
    if (w.ready) await w.flush();
  }
  for (const f of plan.rest()) dirtyLine(f, rows);
  return plan.expectation;
}

const PLATFORM_BYTES = DEFAULT_CATEGORIES.platform.map((p) => encoder.encode(p));
const TYPE_BYTES = DEFAULT_CATEGORIES.event_type.map((t) => encoder.encode(t));

/**
 * One week's log, a day at a time: the day's events drawn user by user into typed arrays,
 * then written in time order (counting sort by second). Memory: about one day of events.
 * With several writers, user i's lines go to writer i mod N (the same lines as one file).
 */
async function writeWeekEvents(
  ws: readonly ChunkWriter[],
  pop: Population,
  dayCounts: Uint8Array,
  seenEver: Uint8Array,
  span: { start: number; end: number },
  validEvents: number,
  seed: number,
  week: number,
  rate: number,
): Promise<FileExpectation> {
  const dirtyRng = new Random(seed, 20, week);
  const plan = new DirtyPlan(dirtyRng, validEvents, rate, EVENT_FAULTS);
  const { users, companies, mainPlatform, typeCumulative } = pop;
  let capacity = 1024;
  let dayUsers = new Uint32Array(capacity);
  let daySeconds = new Uint32Array(capacity);
  let dayCodes = new Uint8Array(capacity);
  let order = new Uint32Array(capacity);
  const perSecond = new Uint32Array(SECONDS_PER_DAY + 1);
  let anonymousId = 0;
  const ctx = { anonymousId: 0, userId: 1, companyId: 0, time: span.start, weekStart: span.start, weekEnd: span.end };
  const writerOf = (i: number) => ws[i % ws.length]!; // i % length indexes ws
  const dirtyLine = (fault: Fault, time: number) => {
    ctx.anonymousId = ++anonymousId;
    const i = dirtyRng.int(users);
    ctx.userId = userId(i);
    ctx.companyId = companyOf(i, companies);
    ctx.time = time;
    writeDirtyEvent(writerOf(i), fault, ctx, dirtyRng);
  };

  for (let day = 0; day < 7; day++) {
    let n = 0;
    for (let i = 0; i < users; i++) n += dayCounts[i * 7 + day]!;
    if (n > capacity) {
      capacity = Math.ceil(n * 1.2);
      dayUsers = new Uint32Array(capacity);
      daySeconds = new Uint32Array(capacity);
      dayCodes = new Uint8Array(capacity);
      order = new Uint32Array(capacity);
    }
    const rng = new Random(seed, 30, week, day);
    perSecond.fill(0);
    let e = 0;
    for (let i = 0; i < users; i++) {
      const count = dayCounts[i * 7 + day]!;
      if (count === 0) continue;
      const typeBase = i * EVENT_TYPE_COUNT;
      const typeTotal = typeCumulative[typeBase + EVENT_TYPE_COUNT - 1]!;
      for (let c = 0; c < count; c++) {
        // Office hours mostly (08:00–18:00), some at any time.
        const second = rng.float() < 0.8 ? 8 * 3600 + rng.int(10 * 3600) : rng.int(SECONDS_PER_DAY);
        const platform = rng.float() < MAIN_PLATFORM_SHARE ? mainPlatform[i]! : rng.pick(PLATFORM_CUMULATIVE);
        const x = rng.float() * typeTotal;
        let type = 0;
        while (type < EVENT_TYPE_COUNT - 1 && x >= typeCumulative[typeBase + type]!) type++;
        dayUsers[e] = i;
        daySeconds[e] = second;
        dayCodes[e] = platform * 8 + type;
        perSecond[second + 1]!++;
        e++;
      }
    }
    // Counting sort by second, stable (user order within a second).
    for (let s = 1; s <= SECONDS_PER_DAY; s++) perSecond[s]! += perSecond[s - 1]!;
    for (let j = 0; j < e; j++) order[perSecond[daySeconds[j]!]!++] = j;
    const dayStart = span.start + day * SECONDS_PER_DAY;
    for (let r = 0; r < e; r++) {
      const j = order[r]!;
      const i = dayUsers[j]!;
      const time = dayStart + daySeconds[j]!;
      for (let f = plan.nextFault(); f; f = plan.nextFault()) dirtyLine(f, time);
      const crlf = plan.validLine();
      const code = dayCodes[j]!;
      const w = writerOf(i);
      if (w.ready) await w.flush(); // a dirty line may have filled it
      w.int(++anonymousId);
      w.byte(9);
      w.int(userId(i));
      w.byte(9);
      w.int(companyOf(i, companies));
      w.byte(9);
      w.raw(PLATFORM_BYTES[code >> 3]!);
      w.byte(9);
      w.int(time);
      w.byte(9);
      w.raw(TYPE_BYTES[code & 7]!);
      w.byte(9);
      w.byte(seenEver[i] ? 48 : 49);
      seenEver[i] = 1;
      w.end(crlf);
      if (w.ready) await w.flush();
    }
  }
  for (const f of plan.rest()) dirtyLine(f, span.end - 1);
  return plan.expectation;
}
