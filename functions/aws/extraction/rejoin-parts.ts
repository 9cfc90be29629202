/**
 * A CRM or profile table uploaded after the events: every extracted part is joined again
 * from its stored per-user counts (user_counts.tsv.gz), without reading the events again.
 * Each part's features, rejects (event rejects kept, table rejects replaced) and manifest
 * are rewritten, and a complete week's `_COMPLETE.json` is written again so training sees
 * the new features. The tables' rejects go through a temporary file, so memory stays
 * bounded however many lines of a table are bad, and, as in extraction, only the first of each
 * reason are kept (the manifest's rejectsKept counts the rest).
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { formatReject, parseManifest, parseUserCounts, type Manifest } from '#core/extraction/index.ts';
import { writeJoinedPart } from '#core/extraction/part-writer.ts';
import { withTablesReplaced } from '#core/extraction/rejects-kept.ts';
import { DEFAULT_REJECTS_KEPT_PER_REASON } from '#core/extraction/types.ts';
import { readCategoryLists, readJoinTables, tablesChangedSince, type JoinTables } from '#core/extraction/sources.ts';
import { objectChunks, readText, readTextIfExists } from '#core/storage/reads.ts';
import type { ObjectStore } from '#core/storage/port.ts';
import {
  PART_FILES,
  RAW_CATEGORY_LISTS,
  RAW_KEYS,
  RAW_TABLES,
  completeMarkerKey,
  partFileKey,
  partOutputs,
} from './keys.ts';
import { SpillFile } from './spill-file.ts';

const USER_COUNTS = new RegExp(`^extracted/week=([^/]+)/part=([^/]+)/${PART_FILES.userCounts.replace('.', '\\.')}$`);

export interface RejoinResult {
  readonly parts: { week: string; partId: string; joined: number; users: number }[];
  readonly markersRewritten: string[];
}

/** Rejects are handed to the streamed write in pieces of about this many characters. */
const PIECE_CHARS = 64 * 1024;

/** Event rejects of the earlier run, streamed back (table rejects dropped: they are redone). */
async function* keptEventRejects(bucket: ObjectStore, key: string): AsyncGenerator<string> {
  const tables = new Set<string>([RAW_KEYS.crm, RAW_KEYS.profiles]);
  const lines = createInterface({ input: Readable.from(objectChunks(bucket, key)), crlfDelay: Infinity });
  let piece = '';
  for await (const line of lines) {
    if (line.length === 0) continue;
    const source = (JSON.parse(line) as { source?: string }).source ?? '';
    if (tables.has(source)) continue;
    piece += line + '\n';
    if (piece.length >= PIECE_CHARS) {
      yield piece;
      piece = '';
    }
  }
  if (piece.length > 0) yield piece;
}

/** What a rejoin of one or many parts needs once: the lists, the tables and the tables' rejects. */
export interface RejoinInputs {
  readonly metaSources: Manifest['sources'];
  readonly tables: JoinTables;
  /** The tables' rejects as rejects.jsonl lines, streamed from a temporary file (never all in memory). */
  readonly tableRejects: SpillFile;
}

/** Reads the lists and tables once, runs `work` with them, then removes the rejects' temporary file. */
export async function withRejoinInputs<T>(bucket: ObjectStore, work: (inputs: RejoinInputs) => Promise<T>): Promise<T> {
  const tableRejects = await SpillFile.open();
  try {
    const { categories, sources: metaSources } = await readCategoryLists(bucket, RAW_CATEGORY_LISTS);
    const tables = await readJoinTables(bucket, RAW_TABLES, categories, {
      onReject: (r) => tableRejects.add(formatReject(r)),
      // The same cap as extraction: a table of a million bad lines keeps examples, not copies.
      rejectsPerReason: DEFAULT_REJECTS_KEPT_PER_REASON,
      afterChunk: () => tableRejects.drain(),
      absentIsEmpty: true,
    });
    await tableRejects.close();
    return await work({ metaSources, tables, tableRejects });
  } finally {
    await tableRejects.dispose();
  }
}

type RejoinedPart = RejoinResult['parts'][number];

/** Whether a manifest was joined with exactly these tables and lists already (same names and sha256). */
function joinedWith(manifest: Manifest, inputs: RejoinInputs): boolean {
  const fingerprint = (sources: Manifest['sources']) =>
    sources
      .filter((s) => s.kind !== 'events')
      .map((s) => `${s.kind}:${s.name}:${s.sha256}`)
      .sort()
      .join('\n');
  return fingerprint(manifest.sources) === fingerprint([...inputs.metaSources, ...inputs.tables.sources]);
}

/**
 * Joins one extracted part again from its user counts. Returns undefined when there is
 * nothing to do: the part has no manifest yet (its extraction is still running and checks
 * the tables itself at the end), it failed (its lines are the problem, not the tables), or
 * it was joined with these very tables already.
 */
export async function rejoinPart(
  bucket: ObjectStore,
  week: string,
  partId: string,
  inputs: RejoinInputs,
): Promise<RejoinedPart | undefined> {
  const manifestText = await readTextIfExists(bucket, partFileKey(week, partId, 'manifest'));
  if (manifestText === undefined) return undefined;
  const old: Manifest = parseManifest(manifestText);
  const eventSources = old.sources.filter((s) => s.kind === 'events');
  if (old.verdict.status === 'failed' || joinedWith(old, inputs)) return undefined;
  const lineCounts = { linesRead: old.linesRead, accepted: old.accepted, rejected: { ...old.rejected } };
  const events = parseUserCounts(await readText(bucket, partFileKey(week, partId, 'userCounts')), {
    week,
    baseWeek: old.baseWeek,
    lineCounts,
  });
  const outputs = partOutputs(week, partId, { userCounts: false });
  const kept = keptEventRejects(bucket, outputs.rejects);
  const rejects = (async function* () {
    yield* kept;
    yield* inputs.tableRejects.lines();
  })();
  // The new object replaces the old one only when the write completes, i.e. after the old
  // one has been read to its end, so reading and writing the same key is safe.
  await bucket.writeStream(outputs.rejects, rejects, { gzip: true });
  const { manifest } = await writeJoinedPart(bucket, outputs, events, inputs.tables, {
    baseWeek: old.baseWeek,
    verdict: old.verdict,
    rejectsKept: withTablesReplaced(
      old.rejectsKept,
      [old.tables.crm, old.tables.profiles],
      [inputs.tables.crmCounts, inputs.tables.profileCounts],
    ),
    sources: [...inputs.metaSources, ...eventSources, ...inputs.tables.sources],
  });
  return { week, partId, joined: manifest.joined, users: manifest.users };
}

/** Writes a complete week's marker again (same bytes) so training starts on the new features. */
async function touchCompleteMarker(bucket: ObjectStore, week: string): Promise<string | undefined> {
  const key = completeMarkerKey(week);
  const marker = await readTextIfExists(bucket, key);
  if (marker === undefined) return undefined;
  await bucket.write(key, marker, { contentType: 'application/json' });
  return key;
}

/** Rounds of re-joining when the tables keep changing under a rejoin (each upload has its own run too). */
const MAX_ROUNDS = 3;

/**
 * Joins every stored part again with the tables as they are now. Runs one at a time (the
 * rejoin function's reserved concurrency is 1); before the complete weeks' markers are
 * written again it checks that the tables it joined are still the newest, and joins again if
 * not, so the markers always follow the newest tables, once.
 */
export async function rejoinAllParts(bucket: ObjectStore): Promise<RejoinResult> {
  const parts = (await bucket.list('extracted/'))
    .map((o) => USER_COUNTS.exec(o.key))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ week: m[1] ?? '', partId: m[2] ?? '' }));
  if (parts.length === 0) return { parts: [], markersRewritten: [] };
  const done = new Map<string, RejoinedPart>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const changed = await withRejoinInputs(bucket, async (inputs) => {
      for (const { week, partId } of parts) {
        const result = await rejoinPart(bucket, week, partId, inputs);
        if (result) done.set(`${week}/${partId}`, result);
      }
      return tablesChangedSince(bucket, inputs.tables);
    });
    if (!changed) break;
  }
  const markersRewritten: string[] = [];
  for (const week of new Set([...done.values()].map((p) => p.week))) {
    const key = await touchCompleteMarker(bucket, week);
    if (key) markersRewritten.push(key);
  }
  return { parts: [...done.values()], markersRewritten };
}
