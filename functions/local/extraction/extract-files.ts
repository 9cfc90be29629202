/**
 * Extraction of one week from local files into a folder (what `retention extract` does):
 * the extraction use case with the files as its source (named as the user gave them, which
 * is how the manifest names them) and a staging folder as its target, renamed into place at
 * the end: to the output folder when the week is data, beside it (`<out>.failed`) when the
 * verdict is failed, so a failed week never replaces a good one. An error leaves nothing.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { extractWeek } from '#core/extraction/extract-week.ts';
import type { OutputKeys } from '#core/extraction/part-writer.ts';
import type { Manifest } from '#core/extraction/types.ts';
import { CATEGORY_LISTS, type CategoryListName } from '#core/schema.ts';
import type { WeekId } from '#core/weeks.ts';
import { fileStore } from '#local/file-store.ts';
import {
  assertReplaceable,
  createStagingFolder,
  discardFolder,
  failedFolderOf,
  replaceFolder,
} from './output-folder.ts';

interface ExtractFilesOptions {
  readonly events: readonly string[];
  readonly crm: string;
  readonly profiles: string;
  /** Folder with <list>.meta files; each one present replaces that list's defaults. */
  readonly metaDir?: string;
  readonly week: WeekId;
  readonly baseWeek?: WeekId;
  readonly maxRejectedShare?: number;
  readonly out: string;
  readonly gzipOutput?: boolean;
}

interface ExtractFilesResult {
  readonly manifest: Manifest;
  /** Where the output is: the output folder, or beside it when the verdict is failed. */
  readonly folder: string;
  /** Paths written, in the order written. */
  readonly files: string[];
}

/** The output folder's files: rejects and features gzipped when asked. */
function folderOutputs(gzip: boolean): OutputKeys {
  return {
    rejects: gzip ? 'rejects.jsonl.gz' : 'rejects.jsonl',
    features: gzip ? 'features.tsv.gz' : 'features.tsv',
    activeUsers: 'active_users.txt',
    manifest: 'manifest.json',
  };
}

/** `<dir>/<list>.meta` for each list (a missing one keeps its defaults); none without a folder. */
function metaFiles(dir: string | undefined): Partial<Record<CategoryListName, string>> {
  if (dir === undefined) return {};
  return Object.fromEntries(CATEGORY_LISTS.map((name) => [name, join(dir, `${name}.meta`)]));
}

export async function extractFiles(options: ExtractFilesOptions): Promise<ExtractFilesResult> {
  await assertReplaceable(options.out);
  const staging = await createStagingFolder(options.out);
  try {
    const { manifest, written } = await extractWeek({
      source: fileStore('.'),
      target: fileStore(staging),
      week: options.week,
      baseWeek: options.baseWeek,
      maxRejectedShare: options.maxRejectedShare,
      inputs: {
        events: options.events,
        crm: options.crm,
        profiles: options.profiles,
        categoryLists: metaFiles(options.metaDir),
      },
      outputs: folderOutputs(options.gzipOutput === true),
    });
    const folder = manifest.verdict.status === 'failed' ? failedFolderOf(options.out) : options.out;
    await replaceFolder(staging, folder);
    return { manifest, folder, files: written.map((key) => join(folder, key)) };
  } catch (error) {
    await discardFolder(staging);
    throw error;
  }
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
