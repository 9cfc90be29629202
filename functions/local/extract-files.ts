/**
 * Extraction of one week from local files into a folder (what `retention extract` does):
 * reads the category lists, event files, CRM and profile tables through the pure core,
 * streams rejects out as they are found, then writes features, active users and the manifest
 * (last, so a folder with a manifest is complete).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CATEGORY_LISTS, parseCategoryList, withCategoryOverrides, type CategoryListName } from '../core/schema.ts';
import { DEFAULT_BASE_WEEK, type WeekId } from '../core/weeks.ts';
import {
  CrmTable,
  ProfileTable,
  buildManifest,
  checkCategories,
  createEventAggregator,
  createSourceDigest,
  featuresTsvChunks,
  activeUsersChunks,
  formatManifest,
  formatReject,
  joinWeek,
  type LineCounts,
  type Manifest,
  type Reject,
  type SourceInfo,
} from '../core/extract/index.ts';
import { fileChunks } from './file-chunks.ts';
import { digestFile } from './file-digest.ts';
import { TextWriter, writeText } from './text-writer.ts';

export interface ExtractFilesOptions {
  readonly events: readonly string[];
  readonly crm: string;
  readonly profiles: string;
  /** Folder with <list>.meta files; each one present replaces that list's defaults. */
  readonly metaDir?: string;
  readonly week: WeekId;
  readonly baseWeek?: WeekId;
  readonly out: string;
  readonly gzipOutput?: boolean;
}

export interface ExtractFilesResult {
  readonly manifest: Manifest;
  /** Paths written, in the order written. */
  readonly files: string[];
}

/** Reads the category lists present in dir (a missing list keeps its default). */
export async function readCategoryLists(dir: string | undefined): Promise<{
  categories: ReturnType<typeof withCategoryOverrides>;
  sources: Manifest['sources'];
}> {
  const overrides: Partial<Record<CategoryListName, string[]>> = {};
  const sources: Manifest['sources'] = [];
  if (dir !== undefined) {
    for (const name of CATEGORY_LISTS) {
      const path = join(dir, `${name}.meta`);
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      overrides[name] = parseCategoryList(name, bytes.toString('utf8'));
      sources.push({
        kind: 'meta',
        name: path,
        bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
    }
  }
  const categories = withCategoryOverrides(overrides);
  checkCategories(categories);
  return { categories, sources };
}

export async function extractFiles(options: ExtractFilesOptions): Promise<ExtractFilesResult> {
  const gzip = options.gzipOutput === true;
  const baseWeek = options.baseWeek ?? DEFAULT_BASE_WEEK;
  const { categories, sources } = await readCategoryLists(options.metaDir);
  await mkdir(options.out, { recursive: true });
  const files: string[] = [];
  const rejectsPath = join(options.out, gzip ? 'rejects.jsonl.gz' : 'rejects.jsonl');
  const rejects = new TextWriter(rejectsPath, gzip);
  const onReject = (reject: Reject) => rejects.add(formatReject(reject));

  try {
    // Events, one file after another through one aggregator.
    const aggregator = createEventAggregator({ week: options.week, baseWeek, categories, onReject });
    for (const path of options.events) {
      const digest = digestFile(path); // in a worker, while this thread parses
      digest.catch(() => undefined); // if parsing fails first, its error is the one reported
      let bytesSeen = 0;
      aggregator.beginSource(path);
      for await (const chunk of fileChunks(path, (raw) => (bytesSeen += raw.length))) {
        aggregator.push(chunk);
        await rejects.flush();
      }
      aggregator.endSource();
      const info = await digest;
      // The file must not have changed under us: the checksum is of the bytes we parsed.
      if (info.bytes !== bytesSeen)
        throw new Error(`${path} changed while it was read (${bytesSeen} bytes read, ${info.bytes} hashed)`);
      sources.push({ kind: 'events', ...info });
    }
    const events = aggregator.result();

    const crm = new CrmTable({ categories, onReject });
    const crmCounts = await readTable(crm, options.crm, rejects);
    sources.push({ kind: 'crm', ...crmCounts.info });
    const profiles = new ProfileTable({ onReject });
    const profileCounts = await readTable(profiles, options.profiles, rejects);
    sources.push({ kind: 'profiles', ...profileCounts.info });
    await rejects.close();
    files.push(rejectsPath);

    const week = joinWeek(events, crm, profiles);
    const manifest = buildManifest({
      week: options.week,
      baseWeek,
      sources,
      events: events.lineCounts,
      extracted: week,
      crm: { ...crmCounts.counts, rows: crm.size },
      profiles: { ...profileCounts.counts, rows: profiles.size },
    });

    const featuresPath = join(options.out, gzip ? 'features.tsv.gz' : 'features.tsv');
    await writeText(featuresPath, featuresTsvChunks(week), gzip);
    files.push(featuresPath);
    const activePath = join(options.out, 'active_users.txt');
    await writeText(activePath, activeUsersChunks(week.activeUsers), false);
    files.push(activePath);
    const manifestPath = join(options.out, 'manifest.json');
    await writeText(manifestPath, [formatManifest(manifest)], false);
    files.push(manifestPath);
    return { manifest, files };
  } catch (error) {
    await rejects.close().catch(() => {});
    throw error;
  }
}

async function readTable(
  table: CrmTable | ProfileTable,
  path: string,
  rejects: TextWriter,
): Promise<{ counts: LineCounts; info: SourceInfo }> {
  const digest = createSourceDigest(path);
  table.beginSource(path);
  for await (const chunk of fileChunks(path, (raw) => digest.update(raw))) {
    table.push(chunk);
    await rejects.flush();
  }
  const counts = table.endSource();
  return { counts, info: digest.info() };
}

/** Fails early, before any work, on an input that is not a readable file. */
export async function assertFiles(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    try {
      const s = await stat(path);
      if (!s.isFile()) return `${path} is not a file`;
    } catch {
      return `${path}: no such file`;
    }
  }
  return undefined;
}
