/**
 * Objects that never change once written (a published model version): written only where
 * no object is (If-None-Match), so a racing writer can never be overwritten; an identical
 * object already there is fine (a retried Publish), different content is an error.
 */
import { PreconditionFailedError, type ObjectStore } from './port.ts';
import { readText } from './reads.ts';

class ImmutableObjectError extends Error {
  override readonly name = 'ImmutableObjectError';
}

export async function writeImmutable(store: ObjectStore, key: string, body: string): Promise<'written' | 'unchanged'> {
  try {
    await store.write(key, body, { contentType: 'application/json', ifNoneMatch: '*' });
    return 'written';
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
  if ((await readText(store, key)) === body) return 'unchanged';
  throw new ImmutableObjectError(
    `${store.where(key)} already exists with other content; published versions are immutable`,
  );
}
