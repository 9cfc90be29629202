/**
 * The dashboard's model documents follow models/current.json: copied from the version it
 * names, after it has moved, so the site shows only a model that is or was just current.
 * Two Publish runs may copy at once; each reads the pointer again after its copies and
 * copies again while it names another version, so whoever copies last copies the current one.
 */
import type { ObjectStore } from '#core/storage/port.ts';
import { readBytes } from '#core/storage/reads.ts';
import { siteCopies } from '#core/training/publish-plan.ts';
import { readPointer } from './current-model.ts';

const COPY_ROUNDS = 5;

/** Copies the current version's documents to the site; returns what was written (`site:<key>`). */
export async function copyCurrentToSite(data: ObjectStore, site: ObjectStore): Promise<string[]> {
  const written: string[] = [];
  let { version } = await readPointer(data);
  for (let round = 1; version !== undefined; round++) {
    for (const copy of siteCopies(version)) {
      await site.write(copy.siteKey, await readBytes(data, copy.from), { contentType: 'application/json' });
      written.push(`site:${copy.siteKey}`);
    }
    const now = (await readPointer(data)).version;
    if (now === version) break;
    if (round === COPY_ROUNDS)
      throw new Error(`models/current.json moved ${round} times while the site was being copied; last ${now}`);
    version = now;
  }
  return written;
}
