/**
 * Rejoin Lambda: S3 ObjectCreated under raw/crm/ or raw/profiles/. A table that arrives (or
 * changes) after the events: every extracted part is joined again from its stored per-user
 * counts, and complete weeks' _COMPLETE.json markers are written again so training reruns.
 *
 * Environment: DATA_BUCKET, LOG_LEVEL, POWERTOOLS_SERVICE_NAME.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Event } from 'aws-lambda';
import type { ObjectStore } from '#core/storage/port.ts';
import { requireEnv, s3Client } from '#aws/clients.ts';
import { RAW_KEYS, decodeEventKey } from '#aws/extraction/keys.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';
import { rejoinAllParts, type RejoinResult } from '#aws/extraction/rejoin-parts.ts';
import { s3Store } from '#aws/s3-store.ts';

export interface RejoinDeps {
  /** The data bucket. */
  readonly store: ObjectStore;
  readonly logger?: Logger;
}

export function createRejoinHandler(deps: RejoinDeps): (event: S3Event) => Promise<RejoinResult | undefined> {
  const logger = deps.logger ?? new Logger();
  return async (event) => {
    const keys = (event.Records ?? []).map((r) => decodeEventKey(r.s3.object.key));
    const tables = keys.filter((k) => k === RAW_KEYS.crm || k === RAW_KEYS.profiles);
    if (tables.length === 0) {
      logger.warn('not a table this stage reads; nothing to do', { keys, tables: [RAW_KEYS.crm, RAW_KEYS.profiles] });
      return undefined;
    }
    const result = await rejoinAllParts(deps.store);
    logger.info('rejoined', { tables, parts: result.parts.length, markersRewritten: result.markersRewritten });
    return result;
  };
}

function rejoinDepsFromEnv(): RejoinDeps {
  return { store: s3Store(s3Client(), requireEnv('DATA_BUCKET')) };
}

export const handler = lazyHandler(() => createRejoinHandler(rejoinDepsFromEnv()));
