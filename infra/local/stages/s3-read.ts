/** Small S3 reads the stages share. */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export { listKeys } from '#aws/s3-list.ts';

export async function readJson<T>(s3: S3Client, bucket: string, key: string): Promise<T> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!got.Body) throw new Error(`s3://${bucket}/${key}: empty response body`);
  return JSON.parse(await got.Body.transformToString()) as T;
}
