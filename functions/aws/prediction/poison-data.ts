/** The claim check of a poison record too big for its message: the whole record, kept in the data bucket. */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Writes the record's bytes under `key` (its digest: the same record always lands on itself). */
export async function keepPoisonData(s3: S3Client, bucket: string, key: string, data: Uint8Array): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentType: 'application/octet-stream' }),
    );
  } catch (error) {
    const { name, message } = error as Error;
    throw new Error(`keeping a poison record at s3://${bucket}/${key} failed: ${name}: ${message}`, { cause: error });
  }
}
