/**
 * The site's data/at-risk.json: the latest round's least-likely users, from the round's
 * ledger (trend-parts.ts keeps it merged as the parts arrive).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SITE_AT_RISK_KEY, atRiskDocument, roundModel } from '#core/prediction/at-risk.ts';
import type { RoundCount, RoundLedger } from '#core/prediction/trends.ts';

export async function writeAtRisk(
  s3: S3Client,
  siteBucket: string,
  ledger: RoundLedger,
  point: RoundCount,
  limit: number,
  now: Date,
): Promise<void> {
  const model = roundModel(Object.values(ledger.parts));
  const document = atRiskDocument(ledger.round, model, point.scored, ledger.atRisk, limit, now);
  await s3.send(
    new PutObjectCommand({
      Bucket: siteBucket,
      Key: SITE_AT_RISK_KEY,
      Body: JSON.stringify(document) + '\n',
      ContentType: 'application/json',
      CacheControl: 'no-cache',
    }),
  );
}
