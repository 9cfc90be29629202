/**
 * Reading extraction's inputs through the storage port: a source streamed into a parser
 * while its size and sha256 (of the bytes as stored) are taken, the category lists, and the
 * CRM and profile tables to join with.
 */
import { objectChunks, readBytes, ifExists } from '#core/storage/reads.ts';
import { ObjectNotFoundError, type ObjectDigest, type ObjectStore } from '#core/storage/port.ts';
import { parseCategoryList, withCategoryOverrides, type Categories, type CategoryListName } from '#core/schema.ts';
import { checkCategories } from './categories.ts';
import { createSourceDigest } from './digest.ts';
import { CrmTable, ProfileTable } from './tables.ts';
import type { LineCounts, Manifest, Reject, SourceInfo } from './types.ts';

type Sources = Manifest['sources'];

/** What a source's bytes go into (an event aggregator, a table). */
export interface SourceSink {
  beginSource(name: string): void;
  push(chunk: Uint8Array): void;
  endSource(): LineCounts;
}

export interface SourceReadOptions {
  /** Awaited after each chunk (e.g. until streamed rejects are written). */
  readonly afterChunk?: () => Promise<void>;
  /** Hash with the store's own digest (off this thread) when it has one: for big sources. */
  readonly storeDigest?: boolean;
}

export interface SourceRead {
  readonly counts: LineCounts;
  readonly info: SourceInfo;
  /** The etag of what was read. */
  readonly etag: string | undefined;
}

/** Streams one source into `sink`, named by its key. */
export async function readSource(
  store: ObjectStore,
  key: string,
  sink: SourceSink,
  options: SourceReadOptions = {},
): Promise<SourceRead> {
  const afterChunk = options.afterChunk ?? (async () => {});
  const digest =
    options.storeDigest === true && store.digest !== undefined
      ? offThreadDigest(store, key, store.digest(key))
      : inlineDigest(key);
  let etag: string | undefined;
  // The parsers copy what they keep: the store may reuse its buffers. Plain text comes in
  // ~1 MiB pieces (the parser's per-chunk costs vanish); gunzip already hands over large ones.
  const chunks = objectChunks(store, key, {
    onRaw: digest.update,
    onHead: (head) => (etag = head.etag),
    transient: true,
    plainPieceBytes: 1 << 20,
  });
  sink.beginSource(key);
  for await (const chunk of chunks) {
    sink.push(chunk);
    await afterChunk();
  }
  const counts = sink.endSource();
  return { counts, info: await digest.info(), etag };
}

/** Size and sha256 of a source's stored bytes, as they are read. */
interface SourceDigesting {
  readonly update: (raw: Uint8Array) => void;
  info(): Promise<SourceInfo>;
}

function inlineDigest(key: string): SourceDigesting {
  const digest = createSourceDigest(key);
  return { update: (raw) => digest.update(raw), info: async () => digest.info() };
}

/** The store's digest, running meanwhile; the bytes read are counted to check it is of the same content. */
function offThreadDigest(store: ObjectStore, key: string, hashing: Promise<ObjectDigest>): SourceDigesting {
  hashing.catch(() => undefined); // if parsing fails first, its error is the one reported
  let bytesRead = 0;
  return {
    update: (raw) => (bytesRead += raw.length),
    async info() {
      const { bytes, sha256 } = await hashing;
      if (bytes !== bytesRead)
        throw new Error(`${store.where(key)} changed while it was read (${bytesRead} bytes read, ${bytes} hashed)`);
      return { name: key, bytes, sha256 };
    },
  };
}

/** The category lists found under `keys` (each one present replaces its defaults). */
export async function readCategoryLists(
  store: ObjectStore,
  keys: Partial<Record<CategoryListName, string>>,
): Promise<{ categories: Categories; sources: Sources }> {
  const overrides: Partial<Record<CategoryListName, string[]>> = {};
  const sources: Sources = [];
  for (const [name, key] of Object.entries(keys) as [CategoryListName, string][]) {
    const bytes = await ifExists(() => readBytes(store, key));
    if (bytes === undefined) continue;
    // A byte-order mark goes with the trimming of each value (String.prototype.trim drops U+FEFF).
    overrides[name] = parseCategoryList(name, Buffer.from(bytes).toString('utf8'));
    const digest = createSourceDigest(key);
    digest.update(bytes);
    sources.push({ kind: 'meta', ...digest.info() });
  }
  const categories = withCategoryOverrides(overrides);
  checkCategories(categories);
  return { categories, sources };
}

/** The tables an extraction joins with, as read. */
export interface JoinTables {
  readonly crm: CrmTable;
  readonly profiles: ProfileTable;
  readonly crmCounts: LineCounts;
  readonly profileCounts: LineCounts;
  /** The tables read (an absent one is not listed). */
  readonly sources: Sources;
  /** Etag of each table as read (undefined: absent), to notice one replaced meanwhile. */
  readonly versions: Readonly<Record<string, string | undefined>>;
}

export interface TableKeys {
  readonly crm: string;
  readonly profiles: string;
}

export interface TableReadOptions {
  readonly onReject: (reject: Reject) => void;
  /** Rejects handed to onReject per reason in a table; the rest are only counted (default: all). */
  readonly rejectsPerReason?: number;
  readonly afterChunk?: () => Promise<void>;
  /** An absent table joins nobody (to be joined again when it arrives) instead of failing. */
  readonly absentIsEmpty?: boolean;
}

const NO_LINES: LineCounts = { linesRead: 0, accepted: 0, rejected: {} };

/** Reads the CRM table, then the profile table. */
export async function readJoinTables(
  store: ObjectStore,
  keys: TableKeys,
  categories: Categories,
  options: TableReadOptions,
): Promise<JoinTables> {
  const { onReject, rejectsPerReason } = options;
  const crm = new CrmTable({ categories, onReject, rejectsPerReason });
  const profiles = new ProfileTable({ onReject, rejectsPerReason });
  const sources: Sources = [];
  const versions: Record<string, string | undefined> = {};
  const read = async (table: CrmTable | ProfileTable, key: string, kind: 'crm' | 'profiles'): Promise<LineCounts> => {
    versions[key] = undefined;
    try {
      const { counts, info, etag } = await readSource(store, key, table, { afterChunk: options.afterChunk });
      versions[key] = etag;
      sources.push({ kind, ...info });
      return counts;
    } catch (error) {
      if (!(options.absentIsEmpty && error instanceof ObjectNotFoundError)) throw error;
      table.endSource();
      return NO_LINES;
    }
  };
  const crmCounts = await read(crm, keys.crm, 'crm');
  const profileCounts = await read(profiles, keys.profiles, 'profiles');
  return { crm, profiles, crmCounts, profileCounts, sources, versions };
}

/** Whether a table was added or replaced since `tables` were read. */
export async function tablesChangedSince(store: ObjectStore, tables: JoinTables): Promise<boolean> {
  for (const [key, etag] of Object.entries(tables.versions)) {
    const now = await store.head(key);
    if (now?.etag !== etag) return true;
  }
  return false;
}
