/**
 * The site's data/at-risk.json: the latest round's least-likely users, from the round's
 * ledger (trend-parts.ts keeps it merged as the parts arrive). Its metadata names the round
 * and the ledger version it was made from, so a writer that raced ahead with a later round
 * is never overwritten by an earlier one, and a list already made from this ledger is not
 * written again.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { SITE_AT_RISK_KEY, atRiskDocument, roundModel } from '#core/prediction/at-risk.ts';
import type { RoundCount, RoundLedger } from '#core/prediction/trends.ts';
import { headVersion, putIfUnchanged, retryRaces } from './s3-versioned.ts';

export interface AtRiskSource {
  readonly ledger: RoundLedger;
  /** The ETag of the ledger as stored ('' when the round has none). */
  readonly ledgerETag: string;
  readonly point: RoundCount;
}

/** Writes the list unless it already shows this ledger or a later round; true when written. */
export async function writeAtRisk(
  s3: S3Client,
  siteBucket: string,
  source: AtRiskSource,
  limit: number,
  now: Date,
): Promise<boolean> {
  const { ledger, point } = source;
  const ledgerETag = source.ledgerETag.replaceAll('"', '');
  return retryRaces(SITE_AT_RISK_KEY, async () => {
    const shown = await headVersion(s3, siteBucket, SITE_AT_RISK_KEY);
    const shownRound = Number(shown?.metadata.round ?? -1);
    if (shownRound > ledger.round) return false;
    if (shownRound === ledger.round && shown?.metadata['ledger-etag'] === ledgerETag) return false;
    const model = roundModel(Object.values(ledger.parts));
    const document = atRiskDocument(ledger.round, model, point.scored, ledger.atRisk, limit, now);
    const written = await putIfUnchanged(s3, {
      bucket: siteBucket,
      key: SITE_AT_RISK_KEY,
      body: JSON.stringify(document) + '\n',
      expected: shown?.eTag,
      cacheControl: 'no-cache',
      metadata: { round: String(ledger.round), 'ledger-etag': ledgerETag },
    });
    return written === undefined ? undefined : true;
  });
}
