/**
 * Where extraction reads and writes in the data bucket (docs/formats.md "Data bucket layout",
 * docs/deploy.md): which week and part an event object is, and the keys of its output.
 * String work (and a digest), no SDK.
 */
import { createHash } from 'node:crypto';
import type { ExtractionInputs } from '#core/extraction/extract-week.ts';
import type { OutputKeys } from '#core/extraction/part-writer.ts';
import type { TableKeys } from '#core/extraction/sources.ts';
import { CATEGORY_LISTS, type CategoryListName } from '#core/schema.ts';
import { weekFromName, type WeekId } from '#core/weeks.ts';

export const RAW_KEYS = {
  events: 'raw/events/',
  crm: 'raw/crm/crm_info.data',
  profiles: 'raw/profiles/nosql_user_profile.data',
  meta: (list: CategoryListName) => `raw/meta/${list}.meta`,
} as const;
/** Files of one extracted part, under `extracted/week=<W>/part=<id>/`. */
export const PART_FILES = {
  features: 'features.tsv.gz',
  activeUsers: 'active_users.txt',
  rejects: 'rejects.jsonl.gz',
  /** Per-user counts before the join, kept so a late CRM or profile table can be joined again. */
  userCounts: 'user_counts.tsv.gz',
  /** Written last: a part folder with a manifest is complete. */
  manifest: 'manifest.json',
} as const;

/** The upload marker of a week in parts: `raw/events/week=<W>/_SUCCESS`, one part file name a line. */
const SUCCESS_FILE = '_SUCCESS';

export interface EventObject {
  readonly key: string;
  readonly week: WeekId;
  readonly partId: string;
  /** `single`: raw/events/user_events_week<N>.log[.gz], the whole week; `parts`: raw/events/week=<W>/<part>. */
  readonly layout: 'single' | 'parts';
}

/** Raised for a key this stage cannot place: a permanent error, retrying will not help. */
class EventKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventKeyError';
  }
}

/** The key as S3 writes it into an event (form-encoded, spaces as `+`) made plain again. */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** A file name that is its own part id: nothing to replace, short enough for a key. */
const PLAIN_NAME = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * The part id of an event file: its whole name (extension kept, so `part_1.log`, `part_1.tsv`
 * and `part_1.log.gz` stay apart). A name with other characters keeps a readable form plus a
 * digest of the exact name (`part 1.log` → `part_1.log-<12 hex>`); such an id never ends in an
 * event suffix, so it cannot equal a plain name.
 */
export function partIdOf(fileName: string): string {
  if (PLAIN_NAME.test(fileName)) return fileName;
  if (fileName.length === 0) throw new EventKeyError('cannot make a part id of an empty file name');
  const readable = fileName.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 180);
  return `${readable}-${createHash('sha256').update(fileName).digest('hex').slice(0, 12)}`;
}

/** The part ids of a week's file names; two names with one id would overwrite each other, so that is an error. */
export function partIdsOf(fileNames: readonly string[], where: string): string[] {
  const byId = new Map<string, string>();
  for (const name of fileNames) {
    const id = partIdOf(name);
    const other = byId.get(id);
    if (other !== undefined && other !== name)
      throw new EventKeyError(`${where}: "${other}" and "${name}" would both be part ${id}; rename one of them`);
    byId.set(id, name);
  }
  return [...byId.keys()].sort();
}

export function eventObjectOf(key: string): EventObject {
  if (!key.startsWith(RAW_KEYS.events)) throw new EventKeyError(`${key} is not under ${RAW_KEYS.events}`);
  const rest = key.slice(RAW_KEYS.events.length);
  const [, folderWeek, file] = /^week=([^/]+)\/([^/]+)$/.exec(rest) ?? [];
  if (folderWeek !== undefined && file !== undefined) {
    const week = weekFromName(key);
    if (!week)
      throw new EventKeyError(`${key}: "${folderWeek}" is not a week (use a number or an ISO week like 2026-W46)`);
    return { key, week, partId: partIdOf(file), layout: 'parts' };
  }
  if (rest.includes('/')) {
    throw new EventKeyError(
      `${key}: put a whole week at raw/events/user_events_week<N>.log[.gz] or its parts at raw/events/week=<W>/<part>.log[.gz]`,
    );
  }
  const week = weekFromName(key);
  if (!week)
    throw new EventKeyError(
      `${key}: cannot tell the week from the name (user_events_week<N>.log or user_events_<YYYY-Www>.log)`,
    );
  return { key, week, partId: partIdOf(rest), layout: 'single' };
}

const weekPrefix = (week: WeekId) => `extracted/week=${week}/`;
const partPrefix = (week: WeekId, partId: string) => `${weekPrefix(week)}part=${partId}/`;
export const partFileKey = (week: WeekId, partId: string, file: keyof typeof PART_FILES) =>
  `${partPrefix(week, partId)}${PART_FILES[file]}`;
export const RAW_TABLES: TableKeys = { crm: RAW_KEYS.crm, profiles: RAW_KEYS.profiles };
export const RAW_CATEGORY_LISTS: Partial<Record<CategoryListName, string>> = Object.fromEntries(
  CATEGORY_LISTS.map((name) => [name, RAW_KEYS.meta(name)]),
);

/** What extracting one event object reads: the object, the tables and lists under raw/ (a table may come later). */
export function bucketInputs(eventKey: string): ExtractionInputs {
  return { events: [eventKey], ...RAW_TABLES, categoryLists: RAW_CATEGORY_LISTS, tablesMayBeAbsent: true };
}

/** Where a part's files go; the per-user counts are written by the first extraction, not by a re-join. */
export function partOutputs(week: WeekId, partId: string, options: { userCounts: boolean }): OutputKeys {
  const key = (file: keyof typeof PART_FILES) => partFileKey(week, partId, file);
  return {
    rejects: key('rejects'),
    features: key('features'),
    activeUsers: key('activeUsers'),
    manifest: key('manifest'),
    ...(options.userCounts ? { userCounts: key('userCounts') } : {}),
  };
}

export const completeMarkerKey = (week: WeekId) => `${weekPrefix(week)}_COMPLETE.json`;
export const successKeyOf = (week: WeekId) => `${RAW_KEYS.events}week=${week}/${SUCCESS_FILE}`;

/** `raw/events/week=<W>/_SUCCESS` → W, else undefined. */
export function weekOfSuccessKey(key: string): WeekId | undefined {
  const m = /^raw\/events\/week=([^/]+)\/_SUCCESS$/.exec(key);
  return m ? (weekFromName(key) ?? undefined) : undefined;
}

/** The part file names a `_SUCCESS` lists (blank lines and `#` comments skipped). */
export function parseSuccessList(text: string, key: string): string[] {
  const names = text
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => l.slice(l.lastIndexOf('/') + 1));
  if (names.length === 0) throw new EventKeyError(`${key} lists no part files (one file name a line)`);
  for (const name of names) {
    if (!/\.(log|tsv)(\.gz)?$|\.gz$/.test(name))
      throw new EventKeyError(`${key}: "${name}" is not an event file (.log, .tsv or .gz)`);
  }
  return [...new Set(names)];
}

/** `_COMPLETE.json`: deterministic content (no clock), so writing it twice gives the same ETag. */
export interface CompleteMarker {
  readonly formatVersion: 1;
  readonly week: WeekId;
  readonly layout: 'single' | 'parts';
  readonly parts: string[];
  readonly manifests: string[];
}
