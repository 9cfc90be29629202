/**
 * The filesystem adapter of the storage port: the port's contract (conditional writes
 * included), then what is the folder's own: keys that are paths, absolute paths as given,
 * work files kept out of listings, the digest computed off the main thread.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readText } from '#core/storage/reads.ts';
import { ObjectReadError } from '#core/storage/port.ts';
import { fileStore } from '#local/file-store.ts';
import { describeStorageContract } from './contract.ts';
import { waitFor } from '#test/support/wait-for.ts';

const folders: string[] = [];
async function freshFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'file-store-'));
  folders.push(dir);
  return dir;
}
afterAll(() => Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true }))));

describeStorageContract('filesystem adapter', async () => fileStore(await freshFolder()));

describe('filesystem adapter', () => {
  it('keeps keys as paths below its root, and reads an absolute path as it is', async () => {
    const dir = await freshFolder();
    const store = fileStore(join(dir, 'root'));
    await store.write('week=1/part=a/manifest.json', '{}\n');
    expect(await readdir(join(dir, 'root', 'week=1', 'part=a'))).toEqual(['manifest.json']);
    await writeFile(join(dir, 'outside.txt'), 'named by its user\n');
    expect(await readText(store, join(dir, 'outside.txt'))).toBe('named by its user\n');
    expect(store.where('week=1/x')).toBe(join(dir, 'root', 'week=1/x'));
  });

  it('leaves no work file behind, and lists none while a write is under way', async () => {
    const dir = await freshFolder();
    const store = fileStore(dir);
    let listedMidway: string[] = [];
    await store.writeStream(
      'out/features.tsv',
      (async function* () {
        yield 'header\n';
        await waitFor(async () => (await readdir(join(dir, 'out'))).some((name) => name.includes('.retention-tmp')), {
          what: 'the work file of the write under way',
          timeoutMs: 2000,
          intervalMs: 5,
        });
        listedMidway = (await store.list('')).map((o) => o.key);
        yield 'row\n';
      })(),
    );
    expect(listedMidway).toEqual([]);
    expect(await readdir(join(dir, 'out'))).toEqual(['features.tsv']);
    await store.write('out/features.tsv', 'v2', { ifMatch: (await store.head('out/features.tsv'))?.etag });
    expect(await readdir(join(dir, 'out'))).toEqual(['features.tsv']);
  });

  it('hashes a file off the main thread to the same size and sha256 as its bytes', async () => {
    const store = fileStore(await freshFolder());
    const body = Buffer.from('x'.repeat(3_000_000));
    await store.write('big.log', body);
    expect(await store.digest('big.log')).toEqual({
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
  });

  it('reuses two buffers on a transient read, a fresh one a chunk otherwise', async () => {
    const store = fileStore(await freshFolder());
    await store.write('big.bin', randomBytes(5 * 1024 * 1024));
    const buffers = async (transient: boolean) => {
      const seen = new Set<ArrayBufferLike>();
      for await (const chunk of store.read('big.bin', { transient })) seen.add(chunk.buffer);
      return seen.size;
    };
    expect(await buffers(true)).toBe(2);
    expect(await buffers(false)).toBe(5);
  });

  it('refuses to read a version (a folder keeps none)', async () => {
    const store = fileStore(await freshFolder());
    await store.write('a.txt', 'a');
    const chunks = store.read('a.txt', { version: 'v1' });
    await expect(chunks[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(ObjectReadError);
  });
});
