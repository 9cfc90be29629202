/** The S3 side of kept predictions: a predict batch's scored parts, one object per week it named. */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { scoredPartKey, type ScoredPart } from '#core/prediction/scored.ts';

export async function writeScoredParts(s3: S3Client, bucket: string, parts: readonly ScoredPart[]): Promise<void> {
  await Promise.all(
    parts.map((part) =>
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: scoredPartKey(part.week, part.shardId, part.firstSequenceNumber),
          Body: JSON.stringify(part),
          ContentType: 'application/json',
        }),
      ),
    ),
  );
}
