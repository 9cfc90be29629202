/**
 * "No such object" as S3 says it to a least-privilege role. A GET or HEAD of a missing key
 * answers 404 only to a caller that may list the bucket; otherwise 403, the same as a real
 * refusal. The product's roles may list only their own prefixes (an `s3:prefix` condition,
 * infra/constructs/object-grants.ts), so a 403 is settled by listing the key itself:
 * absent → missing; present, or the listing refused too → a real refusal.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { isS3AccessDenied, isS3NotFound } from './s3-errors.ts';

export async function isS3Missing(s3: S3Client, bucket: string, key: string, error: unknown): Promise<boolean> {
  if (isS3NotFound(error)) return true;
  if (!isS3AccessDenied(error)) return false;
  try {
    // The key sorts first among the keys it prefixes.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
    return listed.Contents?.[0]?.Key !== key;
  } catch {
    return false;
  }
}
