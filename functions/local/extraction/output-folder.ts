/**
 * An extraction's output folder, replaced whole: the run writes into a staging folder beside
 * it and the staging folder is renamed into place at the end, so a run that fails leaves the
 * earlier output as it was (or nothing), never an old manifest beside new rejects. A folder
 * holding anything but extraction outputs is never replaced: it is not ours to delete.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** The files an extraction writes; a folder holding only these may be replaced. */
const OUTPUT_FILES = new Set([
  'manifest.json',
  'features.tsv',
  'features.tsv.gz',
  'active_users.txt',
  'rejects.jsonl',
  'rejects.jsonl.gz',
]);

/** Where a failed run's output goes, beside the good one, which it never replaces. */
export function failedFolderOf(out: string): string {
  return `${resolve(out)}.failed`;
}

/** Throws when `folder` exists and holds anything but extraction outputs. */
export async function assertReplaceable(folder: string): Promise<void> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    if (error.code === 'ENOTDIR') throw new Error(`${folder} is a file, not an output folder`);
    throw error;
  });
  const foreign = entries.filter((e) => !(e.isFile() && OUTPUT_FILES.has(e.name))).map((e) => e.name);
  if (foreign.length > 0) {
    throw new Error(
      `${folder} holds other files than an extraction's (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}): ` +
        'give a new or empty folder, or one an earlier extraction wrote',
    );
  }
}

/** A new empty folder beside `out` (same file system, so it can be renamed into place). */
export async function createStagingFolder(out: string): Promise<string> {
  const target = resolve(out);
  await mkdir(dirname(target), { recursive: true });
  const staging = join(
    dirname(target),
    `.${basename(target)}.staging-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  await mkdir(staging);
  return staging;
}

/** Puts `staging` where `folder` is: the earlier folder is moved aside, then deleted. */
export async function replaceFolder(staging: string, folder: string): Promise<void> {
  const target = resolve(folder);
  await assertReplaceable(target);
  const aside = `${staging}.old`;
  const hadOne = await rename(target, aside).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  await rename(staging, target);
  if (hadOne) await rm(aside, { recursive: true, force: true });
}

export async function discardFolder(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true });
}
