/** An extractWeek request over local folders, for the core tests that drive it through files. */
import { join } from 'node:path';
import type { ExtractWeekRequest } from '#core/extraction/extract-week.ts';
import { fileStore } from '#local/file-store.ts';

/** The inputs folder, `<dir>/in`, where a test writes crm.data, profiles.data and its event files. */
export const inputFolder = (dir: string) => fileStore(join(dir, 'in'));

/** Numbered week 0 from `<dir>/in` into `<dir>/<out>`, with `changes` applied. */
export function folderRequest(
  dir: string,
  out: string,
  events: string[],
  changes: Partial<ExtractWeekRequest> = {},
): ExtractWeekRequest {
  return {
    source: inputFolder(dir),
    target: fileStore(join(dir, out)),
    week: '0',
    inputs: { events, crm: 'crm.data', profiles: 'profiles.data', categoryLists: {} },
    outputs: { rejects: 'rejects.jsonl', features: 'f.tsv', activeUsers: 'a.txt', manifest: 'manifest.json' },
    ...changes,
  };
}
