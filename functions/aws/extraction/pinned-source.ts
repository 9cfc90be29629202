/**
 * The data bucket as one extraction sees it: the event object is read in the exact version
 * its S3 event names (by version id when the bucket gives one, else checked by ETag), and
 * every output is committed only while the object under that key is still that one. An
 * older, slower run of a key that has been uploaded again therefore stops with
 * SourceMovedOnError instead of overwriting the newer run's outputs (the newer upload has
 * its own event). The check runs when each output is complete, just before it replaces the
 * previous one: streamed outputs check after their last chunk, so a refused one is never stored.
 */
import type {
  ListedObject,
  ObjectHead,
  ObjectStore,
  ReadOptions,
  StreamWriteOptions,
  WriteOptions,
  WriteResult,
} from '#core/storage/port.ts';

/** What the event says of the object; absent fields are learned from the first read. */
export interface SourcePin {
  readonly key: string;
  readonly etag?: string;
  readonly version?: string;
}

/** The event's object is no longer the one under its key (replaced or deleted): publish nothing. */
export class SourceMovedOnError extends Error {
  constructor(where: string, now: string) {
    super(`${where} is ${now} since this extraction started: its outputs are left to the newer run`);
    this.name = 'SourceMovedOnError';
  }
}

/** S3 quotes ETags in responses and not in events. */
const bare = (etag: string | undefined) => (etag ? etag.replace(/"/g, '') : undefined);

export class PinnedSourceStore implements ObjectStore {
  readonly #store: ObjectStore;
  readonly #key: string;
  readonly #version: string | undefined;
  readonly #beforeOutput: (key: string) => Promise<void>;
  #etag: string | undefined;

  constructor(store: ObjectStore, pin: SourcePin, beforeOutput?: (key: string) => Promise<void>) {
    this.#store = store;
    this.#key = pin.key;
    this.#etag = bare(pin.etag);
    this.#version = pin.version || undefined;
    this.#beforeOutput = beforeOutput ?? (async () => {});
  }

  where(key: string): string {
    return this.#store.where(key);
  }

  read(key: string, options: ReadOptions = {}): AsyncIterable<Uint8Array> {
    if (key !== this.#key) return this.#store.read(key, options);
    return this.#store.read(key, {
      ...options,
      version: this.#version ?? options.version,
      onHead: (head) => {
        this.#checkHead(head);
        options.onHead?.(head);
      },
    });
  }

  head(key: string): Promise<ObjectHead | undefined> {
    return this.#store.head(key);
  }

  list(prefix: string): Promise<ListedObject[]> {
    return this.#store.list(prefix);
  }

  async write(key: string, body: string | Uint8Array, options?: WriteOptions): Promise<WriteResult> {
    await this.#beforeOutput(key);
    await this.ensureCurrent();
    return this.#store.write(key, body, options);
  }

  writeStream(
    key: string,
    chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
    options?: StreamWriteOptions,
  ): Promise<WriteResult> {
    const checked = async function* (this: PinnedSourceStore) {
      yield* chunks;
      await this.#beforeOutput(key);
      await this.ensureCurrent();
    };
    return this.#store.writeStream(key, checked.call(this), options);
  }

  /** Throws SourceMovedOnError unless the key still holds the object this extraction read. */
  async ensureCurrent(): Promise<void> {
    const now = await this.#store.head(this.#key);
    if (now === undefined) throw new SourceMovedOnError(this.where(this.#key), 'deleted');
    this.#checkHead(now);
  }

  #checkHead(head: ObjectHead): void {
    const etag = bare(head.etag);
    if (this.#etag === undefined) this.#etag = etag;
    else if (etag !== this.#etag)
      throw new SourceMovedOnError(this.where(this.#key), `replaced (ETag ${this.#etag} → ${etag ?? 'none'})`);
  }
}
