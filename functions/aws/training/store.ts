/**
 * The reads and writes of the training flow, by bucket name, over the S3 adapter of the
 * storage port: whole objects as text or bytes (gunzipped when the key ends in .gz),
 * listings and writes.
 * New code can take the port itself: `store.bucket(name)` (or `s3Store(s3, name)`) with
 * the reads of `core/storage/reads.ts`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { readBytes, readText, readTextIfExists } from '#core/storage/reads.ts';
import { s3Client } from '#aws/clients.ts';
import { S3ObjectStore } from '#aws/s3-store.ts';

export interface ListedObject {
  readonly key: string;
  /** Without S3's quotes (run ids are made of these). */
  readonly etag: string;
  readonly size: number;
}

export class TrainingStore {
  readonly #s3: S3Client;
  readonly #buckets = new Map<string, S3ObjectStore>();

  constructor(s3: S3Client = s3Client()) {
    this.#s3 = s3;
  }

  /** The storage port on one bucket. */
  bucket(name: string): S3ObjectStore {
    let store = this.#buckets.get(name);
    if (!store) this.#buckets.set(name, (store = new S3ObjectStore(this.#s3, name)));
    return store;
  }

  getBytes(bucket: string, key: string): Promise<Uint8Array> {
    return readBytes(this.bucket(bucket), key);
  }

  getText(bucket: string, key: string): Promise<string> {
    return readText(this.bucket(bucket), key);
  }

  /** The object's text, or undefined when it does not exist. */
  getTextIfExists(bucket: string, key: string): Promise<string | undefined> {
    return readTextIfExists(this.bucket(bucket), key);
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    return (await this.bucket(bucket).head(key)) !== undefined;
  }

  async list(bucket: string, prefix: string): Promise<ListedObject[]> {
    const objects = await this.bucket(bucket).list(prefix);
    return objects.map((o) => ({ key: o.key, etag: o.etag.replaceAll('"', ''), size: o.size }));
  }

  /** Large bodies go up in parts (a prepared 1M-user set is ~50 MB). */
  async put(bucket: string, key: string, body: string | Uint8Array, contentType = 'application/json'): Promise<void> {
    await this.bucket(bucket).write(key, body, { contentType });
  }
}
