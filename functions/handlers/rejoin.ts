/**
 * Rejoin Lambda: S3 ObjectCreated under raw/crm/ or raw/profiles/. A table that arrives (or
 * changes) after the events: every extracted part is joined again from its stored per-user
 * counts, and complete weeks' _COMPLETE.json markers are written again so training reruns.
 *
 * Environment: DATA_BUCKET, LOG_LEVEL, POWERTOOLS_SERVICE_NAME.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { requireEnv, s3Client } from '../aws/clients.ts';
import { RAW_KEYS, decodeEventKey } from '../aws/extraction-keys.ts';
import { rejoinAllParts, type RejoinResult } from '../aws/rejoin-parts.ts';

const logger = new Logger();
let s3: S3Client | undefined;

export async function handleTableEvent(
  event: S3Event,
  deps: { s3: S3Client; bucket: string },
): Promise<RejoinResult | undefined> {
  const keys = (event.Records ?? []).map((r) => decodeEventKey(r.s3.object.key));
  const tables = keys.filter((k) => k === RAW_KEYS.crm || k === RAW_KEYS.profiles);
  if (tables.length === 0) {
    logger.warn('not a table this stage reads; nothing to do', { keys, tables: [RAW_KEYS.crm, RAW_KEYS.profiles] });
    return undefined;
  }
  const result = await rejoinAllParts(deps.s3, deps.bucket);
  logger.info('rejoined', { tables, parts: result.parts.length, markersRewritten: result.markersRewritten });
  return result;
}

export const handler = async (event: S3Event): Promise<RejoinResult | undefined> => {
  s3 ??= s3Client();
  return handleTableEvent(event, { s3, bucket: requireEnv('DATA_BUCKET') });
};
