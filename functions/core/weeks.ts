/**
 * Weeks: how a week is named, which seconds it spans, and which week comes next.
 *
 * A week id is either a number ("0", "1", ... as in `user_events_week0.log`) or an ISO week
 * ("2026-W46", as in `user_events_2026-W46.log`). An ISO week has its own dates. A numbered
 * week has dates only when the user says which ISO week numbered week 0 stands for (a base
 * week): nobody can guess that, so without one its events are not checked against dates.
 */

export type WeekId = string;

/**
 * The ISO week the demo generator puts numbered week 0 in (the original demo's timestamps);
 * the demo passes it as its base week. Extraction itself has no default base week.
 */
export const DEFAULT_BASE_WEEK = '2017-W19';

const NUMBERED = /^(0|[1-9]\d{0,5})$/;
const ISO = /^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$/;
const DAY_SECONDS = 86_400;
const WEEK_SECONDS = 7 * DAY_SECONDS;

export function isWeekId(value: string): boolean {
  return NUMBERED.test(value) || (ISO.test(value) && isoWeekExists(value));
}

/** Throws a readable error when `value` is not a week id. */
export function parseWeekId(value: string): WeekId {
  if (!isWeekId(value)) {
    throw new Error(`"${value}" is not a week: use a number (0, 1, ...) or an ISO week (2026-W46)`);
  }
  return value;
}

/**
 * The week a file or key names: `user_events_week3.log[.gz]` → "3",
 * `user_events_2026-W46.tsv` → "2026-W46", `.../week=2026-W46/part-0001.log` → "2026-W46".
 * Returns undefined when the name says nothing about its week.
 */
export function weekFromName(name: string): WeekId | undefined {
  const partition = /(?:^|\/)week=([^/]+)\//.exec(name)?.[1];
  if (partition !== undefined && isWeekId(partition)) return partition;
  const base = name.slice(name.lastIndexOf('/') + 1);
  const numbered = /^user_events_week(\d+)\./.exec(base)?.[1];
  if (numbered !== undefined && isWeekId(numbered)) return numbered;
  const iso = /^user_events_(\d{4}-W\d{2})\./.exec(base)?.[1];
  if (iso !== undefined && isWeekId(iso)) return iso;
  return undefined;
}

/** Seconds since the epoch of Monday 00:00 UTC of ISO week 1 of `year`. */
function isoYearStart(year: number): number {
  const jan4 = Date.UTC(year, 0, 4) / 1000;
  const weekday = (new Date(jan4 * 1000).getUTCDay() + 6) % 7; // Monday = 0
  return jan4 - weekday * DAY_SECONDS;
}

/** Year and week number of an ISO week id; throws when `value` is not one. */
function isoParts(value: string): { year: number; week: number } {
  const match = ISO.exec(value);
  if (!match) throw new Error(`"${value}" is not an ISO week like 2026-W46`);
  return { year: Number(match[1]), week: Number(match[2]) };
}

function isoWeekExists(value: string): boolean {
  const { year, week } = isoParts(value);
  return isoYearStart(year) + (week - 1) * WEEK_SECONDS < isoYearStart(year + 1);
}

function isoWeekStart(value: string): number {
  const { year, week } = isoParts(value);
  return isoYearStart(year) + (week - 1) * WEEK_SECONDS;
}

/** The ISO week (e.g. "2026-W46") that contains the given epoch second. */
export function isoWeekOf(epochSeconds: number): WeekId {
  const day = Math.floor(epochSeconds / DAY_SECONDS) * DAY_SECONDS;
  const weekday = (new Date(day * 1000).getUTCDay() + 6) % 7;
  const thursday = day + (3 - weekday) * DAY_SECONDS; // the ISO year is the year of the week's Thursday
  const year = new Date(thursday * 1000).getUTCFullYear();
  const week = Math.floor((thursday - isoYearStart(year)) / WEEK_SECONDS) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The span of a week as [start, end) in epoch seconds. */
export function weekSpan(week: WeekId, baseWeek: WeekId = DEFAULT_BASE_WEEK): { start: number; end: number } {
  parseWeekId(week);
  const start = NUMBERED.test(week)
    ? isoWeekStart(parseIso(baseWeek)) + Number(week) * WEEK_SECONDS
    : isoWeekStart(week);
  return { start, end: start + WEEK_SECONDS };
}

/**
 * The dates a week's events must fall in: an ISO week's own, a numbered week's from
 * `baseWeek`, or undefined for a numbered week without a base week (no calendar).
 */
export function weekCalendar(week: WeekId, baseWeek: WeekId | undefined): { start: number; end: number } | undefined {
  parseWeekId(week);
  if (NUMBERED.test(week) && baseWeek === undefined) return undefined;
  return weekSpan(week, baseWeek);
}

/** Whether `value` is an ISO week id (a base week must be one). */
export function isIsoWeekId(value: string): boolean {
  return ISO.test(value) && isoWeekExists(value);
}

function parseIso(value: string): WeekId {
  if (!ISO.test(value) || !isoWeekExists(value)) throw new Error(`"${value}" is not an ISO week like 2026-W46`);
  return value;
}

/** The week after `week`, named the same way ("3" → "4", "2026-W52" → "2026-W53" or "2027-W01"). */
export function nextWeek(week: WeekId): WeekId {
  parseWeekId(week);
  if (NUMBERED.test(week)) return String(Number(week) + 1);
  return isoWeekOf(isoWeekStart(week) + WEEK_SECONDS);
}

/** The week before `week`, or undefined before numbered week 0. */
export function previousWeek(week: WeekId): WeekId | undefined {
  parseWeekId(week);
  if (NUMBERED.test(week)) return week === '0' ? undefined : String(Number(week) - 1);
  return isoWeekOf(isoWeekStart(week) - WEEK_SECONDS);
}
