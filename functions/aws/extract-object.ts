/**
 * Extraction of one event object in the data bucket: streams it (gunzipped on the way when
 * .gz), joins its users with the CRM and profile tables found under raw/ (a missing table
 * joins nobody, to be re-joined when it arrives), and writes the part's files under
 * `extracted/week=<W>/part=<id>/`, the manifest last. The part id comes from the object's
 * name, so a retry or a re-upload replaces its own output.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { parseCategoryList, withCategoryOverrides, type Categories, type CategoryListName } from '../core/schema.ts';
import { DEFAULT_BASE_WEEK, type WeekId } from '../core/weeks.ts';
import {
  CrmTable,
  ProfileTable,
  buildManifest,
  checkCategories,
  createEventAggregator,
  createSourceDigest,
  featuresTsvChunks,
  formatActiveUsers,
  formatManifest,
  formatReject,
  formatUserCounts,
  joinWeek,
  type EventAggregate,
  type LineCounts,
  type Manifest,
  type Reject,
} from '../core/extract/index.ts';
import {
  CATEGORY_LISTS,
  RAW_KEYS,
  eventObjectOf,
  partFileKey,
  partPrefix,
  type EventObject,
} from './extraction-keys.ts';
import { coalesce, headObject, objectChunks, readObjectTextIfExists, ObjectReadError } from './s3-read.ts';
import { putObject, uploadStream } from './s3-write.ts';

export interface ExtractObjectOptions {
  readonly bucket: string;
  readonly key: string;
  readonly baseWeek?: WeekId;
}

export interface ExtractObjectResult {
  readonly object: EventObject;
  readonly manifest: Manifest;
  /** Keys written, in order (the manifest last). */
  readonly written: string[];
  /** The tables it joined with (see tablesChangedSince). */
  readonly tables: JoinTables;
}

type Sources = Manifest['sources'];

/** The category lists under raw/meta/ (each one present replaces its defaults). */
export async function readCategoriesFromS3(
  s3: S3Client,
  bucket: string,
): Promise<{ categories: Categories; sources: Sources }> {
  const overrides: Partial<Record<CategoryListName, string[]>> = {};
  const sources: Sources = [];
  for (const name of CATEGORY_LISTS) {
    const key = RAW_KEYS.meta(name);
    const digest = createSourceDigest(key);
    const text = await readObjectTextIfExists(s3, { bucket, key });
    if (text === undefined) continue;
    const bytes = new TextEncoder().encode(text);
    digest.update(bytes);
    overrides[name] = parseCategoryList(name, text);
    sources.push({ kind: 'meta', ...digest.info() });
  }
  const categories = withCategoryOverrides(overrides);
  checkCategories(categories);
  return { categories, sources };
}

export interface JoinTables {
  readonly crm: CrmTable;
  readonly profiles: ProfileTable;
  readonly crmCounts: LineCounts;
  readonly profileCounts: LineCounts;
  readonly sources: Sources;
  /** ETag of each table as read (undefined: absent), to notice one replaced meanwhile. */
  readonly versions: Readonly<Record<string, string | undefined>>;
}

const NO_LINES: LineCounts = { linesRead: 0, accepted: 0, rejected: {} };

/** Reads the CRM and profile tables under raw/ (absent ones stay empty). */
export async function readTablesFromS3(
  s3: S3Client,
  bucket: string,
  categories: Categories,
  onReject: (r: Reject) => void,
  afterChunk: () => Promise<void> = async () => {},
): Promise<JoinTables> {
  const crm = new CrmTable({ categories, onReject });
  const profiles = new ProfileTable({ onReject });
  const sources: Sources = [];
  const versions: Record<string, string | undefined> = {};
  const read = async (table: CrmTable | ProfileTable, key: string, kind: 'crm' | 'profiles'): Promise<LineCounts> => {
    const digest = createSourceDigest(key);
    table.beginSource(key);
    versions[key] = undefined;
    try {
      for await (const chunk of objectChunks(
        s3,
        { bucket, key },
        (raw) => digest.update(raw),
        (head) => (versions[key] = head.etag),
      )) {
        table.push(chunk);
        await afterChunk();
      }
    } catch (error) {
      if (error instanceof ObjectReadError && /no such object/.test(error.reason)) {
        table.endSource();
        return NO_LINES; // not uploaded yet: the rejoin function joins it when it arrives
      }
      throw error;
    }
    const counts = table.endSource();
    sources.push({ kind, ...digest.info() });
    return counts;
  };
  const crmCounts = await read(crm, RAW_KEYS.crm, 'crm');
  const profileCounts = await read(profiles, RAW_KEYS.profiles, 'profiles');
  return { crm, profiles, crmCounts, profileCounts, sources, versions };
}

/** Whether a table was added or replaced since `tables` were read. */
export async function tablesChangedSince(s3: S3Client, bucket: string, tables: JoinTables): Promise<boolean> {
  for (const [key, etag] of Object.entries(tables.versions)) {
    const now = await headObject(s3, { bucket, key });
    if (now?.etag !== etag) return true;
  }
  return false;
}

/** Rejects streamed into a gzipped object while the extraction runs (bounded memory). */
export class RejectsUpload {
  readonly #stream = new PassThrough();
  readonly #done: Promise<unknown>;
  count = 0;
  constructor(s3: S3Client, bucket: string, key: string) {
    this.#done = uploadStream(s3, { bucket, key }, this.#stream, { gzip: true });
    this.#done.catch(() => {}); // observed in close()/abort()
  }
  readonly add = (reject: Reject): void => {
    this.count++;
    this.#stream.write(formatReject(reject));
  };
  /** Waits while the upload is behind, so rejects never pile up in memory. */
  readonly drain = async (): Promise<void> => {
    if (this.#stream.writableNeedDrain) await once(this.#stream, 'drain');
  };
  async close(): Promise<void> {
    this.#stream.end();
    await this.#done;
  }
  async abort(error: Error): Promise<void> {
    this.#stream.destroy(error);
    await this.#done.catch(() => {});
  }
}

/** Writes a joined part (counts, features, active users) and its manifest last. */
export async function writePart(
  s3: S3Client,
  bucket: string,
  week: WeekId,
  partId: string,
  events: EventAggregate,
  tables: JoinTables,
  manifestInput: { baseWeek: WeekId; sources: Sources },
  options: { writeUserCounts: boolean },
): Promise<{ manifest: Manifest; written: string[] }> {
  const joined = joinWeek(events, tables.crm, tables.profiles);
  const manifest = buildManifest({
    week,
    baseWeek: manifestInput.baseWeek,
    sources: manifestInput.sources,
    events: events.lineCounts,
    extracted: joined,
    crm: { ...tables.crmCounts, rows: tables.crm.size },
    profiles: { ...tables.profileCounts, rows: tables.profiles.size },
  });
  const written: string[] = [];
  const key = (file: Parameters<typeof partFileKey>[2]) => partFileKey(week, partId, file);
  if (options.writeUserCounts) {
    await uploadStream(s3, { bucket, key: key('userCounts') }, [formatUserCounts(events)], { gzip: true });
    written.push(key('userCounts'));
  }
  await uploadStream(s3, { bucket, key: key('features') }, featuresTsvChunks(joined), { gzip: true });
  written.push(key('features'));
  await putObject(s3, { bucket, key: key('activeUsers') }, formatActiveUsers(joined.activeUsers));
  written.push(key('activeUsers'));
  await putObject(s3, { bucket, key: key('manifest') }, formatManifest(manifest), 'application/json');
  written.push(key('manifest'));
  return { manifest, written };
}

export async function extractEventObject(s3: S3Client, options: ExtractObjectOptions): Promise<ExtractObjectResult> {
  const { bucket } = options;
  const object = eventObjectOf(options.key);
  const baseWeek = options.baseWeek ?? DEFAULT_BASE_WEEK;
  const { categories, sources } = await readCategoriesFromS3(s3, bucket);
  const rejectsKey = partFileKey(object.week, object.partId, 'rejects');
  const rejects = new RejectsUpload(s3, bucket, rejectsKey);
  try {
    const aggregator = createEventAggregator({ week: object.week, baseWeek, categories, onReject: rejects.add });
    const digest = createSourceDigest(object.key);
    aggregator.beginSource(object.key);
    for await (const chunk of coalesce(objectChunks(s3, { bucket, key: object.key }, (raw) => digest.update(raw)))) {
      aggregator.push(chunk);
      await rejects.drain();
    }
    aggregator.endSource();
    const events = aggregator.result();
    const eventSource = { kind: 'events' as const, ...digest.info() };
    const tables = await readTablesFromS3(s3, bucket, categories, rejects.add, rejects.drain);
    await rejects.close();
    const { manifest, written } = await writePart(
      s3,
      bucket,
      object.week,
      object.partId,
      events,
      tables,
      { baseWeek, sources: [...sources, eventSource, ...tables.sources] },
      { writeUserCounts: true },
    );
    return { object, manifest, written: [rejectsKey, ...written], tables };
  } catch (error) {
    await rejects.abort(error as Error);
    throw error;
  }
}

export { partPrefix };
