/**
 * The one S3 listing: every page of ListObjectsV2 under a prefix (the SDK's paginator), as
 * objects, keys or common prefixes. Other code lists through these (or through the store).
 */
import { paginateListObjectsV2, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { ListedObject } from '#core/storage/port.ts';
import { describeS3Error } from './s3-errors.ts';

export interface ListRequest {
  readonly bucket: string;
  readonly prefix: string;
  /** With a delimiter (`/`), the pages also name the common prefixes one level down. */
  readonly delimiter?: string;
  /** Keys a page (S3's default and maximum is 1000). */
  readonly pageSize?: number;
}

/** Every page of a listing. */
export async function* listPages(s3: S3Client, request: ListRequest): AsyncGenerator<ListObjectsV2CommandOutput> {
  const { bucket, prefix, delimiter, pageSize } = request;
  try {
    yield* paginateListObjectsV2({ client: s3, pageSize }, { Bucket: bucket, Prefix: prefix, Delimiter: delimiter });
  } catch (error) {
    throw new Error(`listing s3://${bucket}/${prefix}: ${describeS3Error(error)}`, { cause: error });
  }
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Every object under `prefix`, in key order. */
export async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  for await (const page of listPages(s3, { bucket, prefix })) {
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue;
      objects.push({ key: o.Key, size: o.Size ?? 0, etag: o.ETag ?? '', lastModified: o.LastModified });
    }
  }
  return objects.sort(byKey);
}

/** Every key under `prefix` (all keys by default), sorted. */
export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  return (await listObjects(s3, bucket, prefix)).map((o) => o.key);
}

/** The common prefixes one level below `prefix` (e.g. `round=3/` folders), sorted. */
export async function listFolders(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const folders: string[] = [];
  for await (const page of listPages(s3, { bucket, prefix, delimiter: '/' })) {
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) folders.push(p.Prefix);
  }
  return folders.sort();
}
