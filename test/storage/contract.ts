/**
 * The storage port's contract, one suite for every adapter: each adapter's test file calls
 * `describeStorageContract` with a way to make a fresh, empty store. What the product relies
 * on is checked here once: bytes as stored, heads and etags, typed "not found", gunzip of
 * .gz keys over the port, streamed writes that appear only when complete, listings, and
 * conditional writes (a refused condition is a PreconditionFailedError, racing writers get
 * exactly one winner).
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { objectChunks, readBytes, readText, readTextIfExists } from '#core/storage/reads.ts';
import { ObjectNotFoundError, ObjectReadError, PreconditionFailedError, type ObjectStore } from '#core/storage/port.ts';
import { openStreamedWrite } from '#core/storage/streamed-write.ts';

export interface ContractOptions {
  /** Why conditional writes cannot be checked on this adapter, if they cannot. */
  readonly conditionalWritesSkipped?: string;
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

async function* failingAfter(pieces: string[]): AsyncGenerator<string> {
  yield* pieces;
  throw new Error('the producer failed');
}

export function describeStorageContract(
  name: string,
  freshStore: () => Promise<ObjectStore>,
  options: ContractOptions = {},
): void {
  describe(`${name}: the storage port's contract`, () => {
    let store: ObjectStore;
    beforeEach(async () => {
      store = await freshStore();
    });

    it('reads back what was written, as stored, with a head that matches the read', async () => {
      const written = await store.write('a/b/doc.json', '{"x": 1}\n');
      expect(written.bytes).toBe(9);
      const heads: unknown[] = [];
      const chunks = await collect(store.read('a/b/doc.json', { onHead: (h) => heads.push(h) }));
      expect(text(Buffer.concat(chunks))).toBe('{"x": 1}\n');
      const head = await store.head('a/b/doc.json');
      expect(head).toMatchObject({ size: 9, etag: written.etag });
      expect(heads).toEqual([expect.objectContaining({ size: 9, etag: written.etag })]);
    });

    it('gives a new etag when the content is replaced', async () => {
      const first = await store.write('e.txt', 'one');
      const second = await store.write('e.txt', 'two, longer');
      expect(second.etag).not.toBe(first.etag);
      expect((await store.head('e.txt'))?.etag).toBe(second.etag);
    });

    it('says "not found" with a typed error naming the object, and undefined where absence is expected', async () => {
      const error = await collect(store.read('nope/missing.txt')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ObjectNotFoundError);
      expect((error as Error).message).toContain(store.where('nope/missing.txt'));
      expect(await store.head('nope/missing.txt')).toBeUndefined();
      expect(await readTextIfExists(store, 'nope/missing.txt')).toBeUndefined();
    });

    it('gunzips gzip content as it streams (in several chunks), whatever its key, and hands the stored bytes to onRaw', async () => {
      const lines = Array.from({ length: 100_000 }, (_, i) => `line ${i}\t${i * 7}`).join('\n');
      const stored = gzipSync(lines);
      await store.write('big.log.gz', stored);
      let raw = 0;
      const chunks = await collect(objectChunks(store, 'big.log.gz', { onRaw: (c) => (raw += c.length) }));
      expect(chunks.length).toBeGreaterThan(1);
      expect(text(Buffer.concat(chunks))).toBe(lines);
      expect(raw).toBe(stored.length);
      const transient = objectChunks(store, 'big.log.gz', { transient: true }); // the store reuses its buffers
      expect(text(Buffer.concat(await collect(transient))) === lines).toBe(true);
      await store.write('named-plain.log', stored);
      expect(text(await readBytes(store, 'named-plain.log')) === lines).toBe(true); // not toBe: a 1.7 MB diff
      const notGzip = Buffer.concat([Buffer.from([0x1f]), stored]);
      await store.write('plain.bin', notGzip);
      expect(Buffer.from(await readBytes(store, 'plain.bin')).equals(notGzip)).toBe(true);
    });

    it('reads the same bytes transient, each chunk used before the next is asked for', async () => {
      const body = randomBytes(3 * 1024 * 1024 + 17);
      await store.write('transient.bin', body);
      const copies: Buffer[] = [];
      for await (const chunk of store.read('transient.bin', { transient: true })) copies.push(Buffer.from(chunk));
      expect(Buffer.concat(copies).equals(body)).toBe(true);
    });

    it('fails a truncated gzip with the object and the reason', async () => {
      const gz = gzipSync(randomBytes(100_000).toString('hex'));
      await store.write('cut.gz', gz.subarray(0, gz.length - 100));
      const error = await readText(store, 'cut.gz').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ObjectReadError);
      expect((error as Error).message).toBe(
        `${store.where('cut.gz')}: not a valid gzip stream (unexpected end of file)`,
      );
    });

    it('writes a stream of strings and bytes, gzipped when asked, and an empty stream as an empty object', async () => {
      const pieces = async function* () {
        for (let i = 0; i < 2000; i++) yield i % 2 ? `row ${i}\n` : new TextEncoder().encode(`row ${i}\n`);
      };
      const expected = Array.from({ length: 2000 }, (_, i) => `row ${i}\n`).join('');
      const plain = await store.writeStream('out/rows.txt', pieces());
      expect(plain.bytes).toBe(expected.length);
      expect(await readText(store, 'out/rows.txt')).toBe(expected);
      const gz = await store.writeStream('out/rows.txt.gz', pieces(), { gzip: true });
      expect(gz.bytes).toBe((await store.head('out/rows.txt.gz'))?.size);
      expect(gz.bytes).toBeLessThan(expected.length / 2);
      expect(await readText(store, 'out/rows.txt.gz')).toBe(expected);
      await store.writeStream('out/empty.txt', []);
      expect(await store.head('out/empty.txt')).toMatchObject({ size: 0 });
    });

    it('leaves the key as it was when the streamed source fails', async () => {
      await store.write('kept.txt', 'before\n');
      await expect(store.writeStream('kept.txt', failingAfter(['half', 'way']))).rejects.toThrow(/producer failed/);
      expect(await readText(store, 'kept.txt')).toBe('before\n');
      await expect(store.writeStream('never.txt', failingAfter(['x']))).rejects.toThrow();
      expect(await store.head('never.txt')).toBeUndefined();
    });

    it('lists every object under a prefix, nested ones too, in key order, with their heads', async () => {
      await store.write('list/b.json', '{}');
      await store.write('list/a.json', '{"a":1}');
      await store.write('list/sub/c.txt', 'c');
      await store.write('listing-not/d.json', '{}');
      const listed = await store.list('list/');
      expect(listed.map((o) => o.key)).toEqual(['list/a.json', 'list/b.json', 'list/sub/c.txt']);
      expect(listed[0]).toMatchObject({ size: 7, etag: (await store.head('list/a.json'))?.etag });
      expect((await store.list('list')).map((o) => o.key)).toHaveLength(4);
      expect(await store.list('nothing/here/')).toEqual([]);
    });

    it('writes a streamed object with backpressure, and writes nothing when aborted', async () => {
      const out = openStreamedWrite(store, 'streamed/rejects.jsonl.gz', { gzip: true });
      let expected = '';
      for (let i = 0; i < 50_000; i++) {
        const line = `{"line":${i},"raw":"${'x'.repeat(i % 50)}"}\n`;
        out.add(line);
        expected += line;
        if (i % 1000 === 0) await out.drain();
      }
      await out.close();
      expect(await readText(store, 'streamed/rejects.jsonl.gz')).toBe(expected);
      const aborted = openStreamedWrite(store, 'streamed/aborted.txt');
      aborted.add('partial');
      await aborted.abort(new Error('extraction failed'));
      expect(await store.head('streamed/aborted.txt')).toBeUndefined();
    });

    describe.skipIf(options.conditionalWritesSkipped !== undefined)(
      `conditional writes${options.conditionalWritesSkipped ? ` (skipped: ${options.conditionalWritesSkipped})` : ''}`,
      () => {
        it('ifNoneMatch "*" writes only a new key', async () => {
          await store.write('c/new.json', 'first', { ifNoneMatch: '*' });
          const refused = await store.write('c/new.json', 'second', { ifNoneMatch: '*' }).catch((e: unknown) => e);
          expect(refused).toBeInstanceOf(PreconditionFailedError);
          expect(await readText(store, 'c/new.json')).toBe('first');
        });

        it('ifMatch writes only over the etag given', async () => {
          const first = await store.write('c/pointer.json', 'v1');
          const second = await store.write('c/pointer.json', 'v2', { ifMatch: first.etag });
          const stale = await store.write('c/pointer.json', 'v3', { ifMatch: first.etag }).catch((e: unknown) => e);
          expect(stale).toBeInstanceOf(PreconditionFailedError);
          expect(await readText(store, 'c/pointer.json')).toBe('v2');
          expect((await store.head('c/pointer.json'))?.etag).toBe(second.etag);
          const absent = await store.write('c/absent.json', 'x', { ifMatch: first.etag }).catch((e: unknown) => e);
          expect(absent).toBeInstanceOf(PreconditionFailedError);
        });

        it('gives racing conditional writers exactly one winner', async () => {
          const create = await Promise.allSettled(
            Array.from({ length: 8 }, (_, i) => store.write('c/race.json', `writer ${i}`, { ifNoneMatch: '*' })),
          );
          expect(create.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
          const base = await store.head('c/race.json');
          const update = await Promise.allSettled(
            Array.from({ length: 8 }, (_, i) => store.write('c/race.json', `update ${i}`, { ifMatch: base?.etag })),
          );
          expect(update.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
          const losers = update.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
          expect(losers.every((e) => e instanceof PreconditionFailedError)).toBe(true);
        });
      },
    );
  });
}
