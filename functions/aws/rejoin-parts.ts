/**
 * A CRM or profile table uploaded after the events: every extracted part is joined again
 * from its stored per-user counts (user_counts.tsv.gz), without reading the events again.
 * Each part's features, rejects (event rejects kept, table rejects replaced) and manifest
 * are rewritten, and a complete week's `_COMPLETE.json` is written again so training sees
 * the new features.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { formatReject, parseManifest, parseUserCounts, type Manifest, type Reject } from '../core/extract/index.ts';
import { PART_FILES, RAW_KEYS, completeMarkerKey, partFileKey } from './extraction-keys.ts';
import { readCategoriesFromS3, readTablesFromS3, writePart, type JoinTables } from './extract-object.ts';
import { listObjects, objectChunks, readObjectText, readObjectTextIfExists } from './s3-read.ts';
import { putObject, uploadStream } from './s3-write.ts';

const USER_COUNTS = new RegExp(`^extracted/week=([^/]+)/part=([^/]+)/${PART_FILES.userCounts.replace('.', '\\.')}$`);

export interface RejoinResult {
  readonly parts: { week: string; partId: string; joined: number; users: number }[];
  readonly markersRewritten: string[];
}

/** Event rejects of the earlier run, streamed back (table rejects dropped: they are redone). */
async function* keptEventRejects(s3: S3Client, bucket: string, key: string): AsyncGenerator<string> {
  const tables = new Set<string>([RAW_KEYS.crm, RAW_KEYS.profiles]);
  const lines = createInterface({ input: Readable.from(objectChunks(s3, { bucket, key })), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.length === 0) continue;
    const source = (JSON.parse(line) as { source?: string }).source ?? '';
    if (!tables.has(source)) yield line + '\n';
  }
}

/** What a rejoin of one or many parts needs once: the lists, the tables and the tables' rejects. */
export interface RejoinInputs {
  readonly metaSources: Manifest['sources'];
  readonly tables: JoinTables;
  readonly tableRejects: Reject[];
}

export async function readRejoinInputs(s3: S3Client, bucket: string): Promise<RejoinInputs> {
  const { categories, sources: metaSources } = await readCategoriesFromS3(s3, bucket);
  const tableRejects: Reject[] = [];
  const tables = await readTablesFromS3(s3, bucket, categories, (r) => tableRejects.push(r));
  return { metaSources, tables, tableRejects };
}

/**
 * Joins one extracted part again from its user counts. Returns undefined when the part has
 * no manifest yet (its extraction is still running and checks the tables itself at the end).
 */
export async function rejoinPart(
  s3: S3Client,
  bucket: string,
  week: string,
  partId: string,
  inputs: RejoinInputs,
): Promise<{ week: string; partId: string; joined: number; users: number } | undefined> {
  const manifestText = await readObjectTextIfExists(s3, { bucket, key: partFileKey(week, partId, 'manifest') });
  if (manifestText === undefined) return undefined;
  const old: Manifest = parseManifest(manifestText);
  const lineCounts = { linesRead: old.linesRead, accepted: old.accepted, rejected: { ...old.rejected } };
  const events = parseUserCounts(await readObjectText(s3, { bucket, key: partFileKey(week, partId, 'userCounts') }), {
    week,
    baseWeek: old.baseWeek,
    lineCounts,
  });
  const rejectsKey = partFileKey(week, partId, 'rejects');
  const kept = keptEventRejects(s3, bucket, rejectsKey);
  const rejects = (async function* () {
    yield* kept;
    for (const r of inputs.tableRejects) yield formatReject(r);
  })();
  // The new object replaces the old one only when the upload completes, i.e. after the old
  // one has been read to its end, so reading and writing the same key is safe.
  await uploadStream(s3, { bucket, key: rejectsKey }, rejects, { gzip: true });
  const eventSources = old.sources.filter((s) => s.kind === 'events');
  const { manifest } = await writePart(
    s3,
    bucket,
    week,
    partId,
    events,
    inputs.tables,
    { baseWeek: old.baseWeek, sources: [...inputs.metaSources, ...eventSources, ...inputs.tables.sources] },
    { writeUserCounts: false },
  );
  return { week, partId, joined: manifest.joined, users: manifest.users };
}

/** Writes a complete week's marker again (same bytes) so training starts on the new features. */
export async function touchCompleteMarker(s3: S3Client, bucket: string, week: string): Promise<string | undefined> {
  const key = completeMarkerKey(week);
  const marker = await readObjectTextIfExists(s3, { bucket, key });
  if (marker === undefined) return undefined;
  await putObject(s3, { bucket, key }, marker, 'application/json');
  return key;
}

export async function rejoinAllParts(s3: S3Client, bucket: string): Promise<RejoinResult> {
  const parts = (await listObjects(s3, bucket, 'extracted/'))
    .map((o) => USER_COUNTS.exec(o.key))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ week: m[1], partId: m[2] }));
  if (parts.length === 0) return { parts: [], markersRewritten: [] };
  const inputs = await readRejoinInputs(s3, bucket);
  const done: RejoinResult['parts'] = [];
  for (const { week, partId } of parts) {
    const result = await rejoinPart(s3, bucket, week, partId, inputs);
    if (result) done.push(result);
  }
  const markersRewritten: string[] = [];
  for (const week of new Set(done.map((p) => p.week))) {
    const key = await touchCompleteMarker(s3, bucket, week);
    if (key) markersRewritten.push(key);
  }
  return { parts: done, markersRewritten };
}
