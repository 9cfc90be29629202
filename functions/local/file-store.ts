/**
 * The storage port on a folder, for the command line: a key is a path below the root (`/`
 * separated; an absolute path is taken as it is, so that a command can read the files its
 * user named). Every write goes to a temporary file beside the target and is renamed over it
 * at the end, so a reader never sees half a file and a failed write leaves the old one.
 *
 * Conditional writes: `ifNoneMatch: '*'` links the finished temporary file to the key, which
 * the filesystem refuses atomically when the key exists; `ifMatch` compares and renames
 * while holding a lock file (created exclusively), so conditional writers of one key take
 * turns. An unconditional write does not wait for that lock: mix the two on one key only
 * where the last writer may win. The etag is the file's inode, modification time and size.
 */
import { createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGzip } from 'node:zlib';
import {
  ObjectNotFoundError,
  ObjectReadError,
  ObjectWriteError,
  PreconditionFailedError,
  type ListedObject,
  type ObjectDigest,
  type ObjectHead,
  type ObjectStore,
  type ReadOptions,
  type StreamWriteOptions,
  type WriteOptions,
  type WriteResult,
} from '#core/storage/port.ts';
import { digestFile } from './file-digest.ts';

/** Read size; large enough that per-chunk costs vanish, small enough for the CPU cache. */
const READ_CHUNK_BYTES = 1 << 20;
/** Temporary and lock files carry this in their name; listings skip them. */
const WORK_FILE = /\.retention-(tmp|lock)/;
const LOCK_WAIT_MS = 5000;

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code;
const isMissing = (error: unknown) => codeOf(error) === 'ENOENT' || codeOf(error) === 'ENOTDIR';

export class FileObjectStore implements ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  where(key: string): string {
    return isAbsolute(key) ? key : join(this.root, key);
  }

  /**
   * The next read already runs while the caller works on a chunk. Transient reads take
   * turns between two buffers (a chunk is overwritten once the caller asks for the next);
   * others get a fresh buffer a chunk.
   */
  async *read(key: string, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    if (options.version !== undefined)
      throw new ObjectReadError(this.where(key), 'a folder keeps no versions of a file');
    const file = await open(this.#path(key), 'r').catch((error: unknown) => {
      throw this.#readError(key, error);
    });
    const pair = options.transient ? ([newBuffer(), newBuffer()] as const) : undefined;
    let turn: 0 | 1 = 0;
    const next = () => {
      turn = turn === 0 ? 1 : 0;
      return file.read(pair ? pair[turn] : newBuffer(), 0, READ_CHUNK_BYTES, null);
    };
    let pending: ReturnType<typeof next> | undefined;
    try {
      if (options.onHead) options.onHead(etagged(await file.stat({ bigint: true })));
      pending = next();
      for (;;) {
        const { bytesRead, buffer } = await pending.catch((error: unknown) => {
          throw this.#readError(key, error);
        });
        if (bytesRead === 0) return;
        pending = next();
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await pending?.catch(() => undefined); // a caller that stops early leaves one read in flight
      await file.close();
    }
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const s = await stat(this.#path(key), { bigint: true });
      return s.isFile() ? etagged(s) : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.#readError(key, error);
    }
  }

  async list(prefix: string): Promise<ListedObject[]> {
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    const found: ListedObject[] = [];
    const walk = async (relative: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(this.#path(relative || '.'), { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const entry of entries) {
        const key = `${relative}${entry.name}`;
        if (entry.isDirectory() && (prefix.startsWith(`${key}/`) || key.startsWith(prefix))) await walk(`${key}/`);
        else if (entry.isFile() && key.startsWith(prefix) && !WORK_FILE.test(entry.name)) {
          const s = await stat(this.#path(key), { bigint: true });
          found.push({ key, ...etagged(s), lastModified: s.mtime });
        }
      }
    };
    await walk(folder);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async write(key: string, body: string | Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    return this.#replace(key, options, (temp) => writeFile(temp, body, { flag: 'wx' }));
  }

  async writeStream(
    key: string,
    chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
    options: StreamWriteOptions = {},
  ): Promise<WriteResult> {
    return this.#replace(key, {}, async (temp) => {
      const source = Readable.from(chunks, { objectMode: false });
      const out = createWriteStream(temp, { flags: 'wx' });
      if (options.gzip) await pipeline(source, createGzip({ level: 6 }), out);
      else await pipeline(source, out);
    });
  }

  digest(key: string): Promise<ObjectDigest> {
    return digestFile(this.#path(key));
  }

  #path(key: string): string {
    return resolve(this.root, key);
  }

  /** Writes a temporary file with `fill`, then puts it in place under the conditions given. */
  async #replace(key: string, options: WriteOptions, fill: (temp: string) => Promise<void>): Promise<WriteResult> {
    const path = this.#path(key);
    const temp = join(dirname(path), `.${basename(path)}.retention-tmp-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(dirname(path), { recursive: true });
      await fill(temp);
      if (options.ifNoneMatch === '*') await this.#linkIfAbsent(key, temp, options);
      else if (options.ifMatch !== undefined) await this.#renameIfMatch(key, temp, options);
      else await rename(temp, path);
      const s = await stat(path, { bigint: true });
      return { ...etagged(s), bytes: Number(s.size) };
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      if (error instanceof ObjectWriteError) throw error;
      throw new ObjectWriteError(this.where(key), (error as Error).message, error);
    }
  }

  async #linkIfAbsent(key: string, temp: string, options: WriteOptions): Promise<void> {
    try {
      await link(temp, this.#path(key));
    } catch (error) {
      if (codeOf(error) === 'EEXIST') throw new PreconditionFailedError(this.where(key), options, error);
      throw error;
    }
    await unlink(temp);
  }

  async #renameIfMatch(key: string, temp: string, options: WriteOptions): Promise<void> {
    const release = await this.#lock(key);
    try {
      const now = await this.head(key);
      if (now?.etag !== options.ifMatch) throw new PreconditionFailedError(this.where(key), options);
      await rename(temp, this.#path(key));
    } finally {
      await release();
    }
  }

  async #lock(key: string): Promise<() => Promise<void>> {
    const lock = `${this.#path(key)}.retention-lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await (await open(lock, 'wx')).close();
        return () => unlink(lock).catch(() => undefined);
      } catch (error) {
        if (codeOf(error) !== 'EEXIST') throw error;
        if (Date.now() > deadline)
          throw new ObjectWriteError(this.where(key), `${lock} is held (remove it if no writer is running)`);
        await sleep(10);
      }
    }
  }

  #readError(key: string, error: unknown): ObjectReadError {
    if (isMissing(error)) return new ObjectNotFoundError(this.where(key), 'no such file', error);
    return new ObjectReadError(this.where(key), (error as Error).message, error);
  }
}

const newBuffer = () => Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);

function etagged(s: { ino: bigint; mtimeNs: bigint; size: bigint }): ObjectHead {
  return { etag: `${s.ino.toString(16)}-${s.mtimeNs.toString(16)}-${s.size.toString(16)}`, size: Number(s.size) };
}

export const fileStore = (root: string): FileObjectStore => new FileObjectStore(root);
