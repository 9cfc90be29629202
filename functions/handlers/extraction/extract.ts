/**
 * Extract Lambda: S3 ObjectCreated under raw/events/ (.log, .tsv, .gz, and a multi-part
 * week's _SUCCESS). Extracts the object into extracted/week=<W>/part=<id>/ and writes the
 * week's _COMPLETE.json when the week is complete. Bad lines never fail the object (they go
 * to rejects.jsonl.gz); an unreadable object throws, so S3's async invocation retries it and
 * then sends the event to the on-failure queue.
 *
 * A part whose lines are mostly rejected is failed: its manifest says why, the week is not
 * marked complete, and the handler throws ExtractionFailedError so that the event ends, after
 * the retries, in the extraction failure queue (its alarm fires). An older run of a key
 * uploaded again meanwhile publishes nothing (the newer upload's run does).
 *
 * Environment: DATA_BUCKET (the bucket it may write to), BASE_WEEK (optional: the ISO week
 * numbered week 0 stands for; without it numbered weeks are not checked against a calendar),
 * MAX_REJECTED_SHARE (optional, 0..1, default 0.5), LOG_LEVEL, POWERTOOLS_SERVICE_NAME.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Event } from 'aws-lambda';
import { tablesChangedSince, type JoinTables } from '#core/extraction/sources.ts';
import type { ObjectStore } from '#core/storage/port.ts';
import { parseWeekId, type WeekId } from '#core/weeks.ts';
import { requireEnv, s3Client } from '#aws/clients.ts';
import { extractEventObject } from '#aws/extraction/extract-object.ts';
import { decodeEventKey, weekOfSuccessKey, type EventObject } from '#aws/extraction/keys.ts';
import { ExtractionFailedError } from '#aws/extraction/errors.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';
import { rejoinPart, withRejoinInputs } from '#aws/extraction/rejoin-parts.ts';
import { s3Store } from '#aws/s3-store.ts';
import { completePartsWeekIfReady, completeSingleFileWeek } from '#aws/extraction/week-completion.ts';

export interface ExtractOutcome {
  readonly key: string;
  readonly week: string;
  readonly part?: string;
  readonly complete: boolean;
  /** ok or dirty (a failed part throws); absent for a _SUCCESS list or a superseded run. */
  readonly verdict?: 'ok' | 'dirty';
  /** The key was uploaded again while this ran: the newer run publishes, this one wrote nothing more. */
  readonly superseded?: boolean;
}

export interface ExtractDeps {
  /** The data bucket's name: events for another bucket are refused. */
  readonly bucket: string;
  /** The data bucket. */
  readonly store: ObjectStore;
  /** The ISO week numbered week 0 stands for; absent: numbered weeks are not checked against a calendar. */
  readonly baseWeek?: WeekId;
  /** Above this share of rejected lines a part is failed (default: the verdict's, 50 %). */
  readonly maxRejectedShare?: number;
  readonly logger?: Logger;
  /** Awaited before each output is committed (tests interleave runs with it). */
  readonly beforeOutput?: (key: string) => Promise<void>;
}

type EventRecord = S3Event['Records'][number];

export function createExtractHandler(deps: ExtractDeps): (event: S3Event) => Promise<ExtractOutcome[]> {
  const logger = deps.logger ?? new Logger();
  const extractRecord = recordExtractor(deps, logger);
  return async (event) => {
    try {
      const outcomes: ExtractOutcome[] = [];
      for (const record of event.Records ?? []) {
        const key = decodeEventKey(record.s3.object.key);
        if (record.s3.bucket.name !== deps.bucket)
          throw new Error(`event for s3://${record.s3.bucket.name}/${key}, but this function works on ${deps.bucket}`);
        outcomes.push(await extractRecord(key, record));
      }
      return outcomes;
    } catch (error) {
      logger.error('extraction failed', { error: error as Error, keys: event.Records?.map((r) => r.s3.object.key) });
      throw error;
    }
  };
}

function recordExtractor(deps: ExtractDeps, logger: Logger) {
  const { store } = deps;
  const completeIfReady = async (object: EventObject) =>
    object.layout === 'single'
      ? completeSingleFileWeek(store, object.week, object.partId)
      : completePartsWeekIfReady(store, object.week);

  return async (key: string, record: EventRecord): Promise<ExtractOutcome> => {
    const successWeek = weekOfSuccessKey(key);
    if (successWeek !== undefined) {
      const completion = await completePartsWeekIfReady(store, successWeek);
      logger.info('week part list arrived', { key, week: successWeek, ...completion });
      return { key, week: successWeek, complete: completion.complete };
    }

    const started = performance.now();
    const pin = { key, etag: record.s3.object.eTag, version: record.s3.object.versionId };
    const extracted = await extractEventObject(store, { ...deps, pin });
    const { object } = extracted;
    if (extracted.superseded) {
      logger.info('superseded: a newer upload of the key is extracted by its own event', {
        key,
        reason: extracted.reason,
      });
      return { key, week: object.week, part: object.partId, complete: false, superseded: true };
    }
    const { manifest, verdict, bucket } = extracted;
    if (verdict.status === 'failed') throw new ExtractionFailedError(verdict.message);
    if (verdict.status === 'dirty') logger.warn('extracted with many rejects', { key, verdict: verdict.message });
    await joinAgainIfTablesChanged(bucket, object, extracted.tables, logger);
    const completion = await completeIfReady(object);
    logger.info('extracted', {
      key,
      week: object.week,
      part: object.partId,
      seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      linesRead: manifest.linesRead,
      accepted: manifest.accepted,
      rejected: manifest.rejected,
      users: manifest.users,
      joined: manifest.joined,
      unmatched: manifest.unmatched,
      written: extracted.written,
      complete: completion.complete,
      ...(completion.complete ? {} : completion),
    });
    return { key, week: object.week, part: object.partId, complete: completion.complete, verdict: verdict.status };
  };
}

/**
 * A table replaced while this ran may have been re-joined before this part had a manifest
 * (the rejoin function skips such parts): join this part again if so.
 */
async function joinAgainIfTablesChanged(
  bucket: ObjectStore,
  object: EventObject,
  joined: JoinTables,
  logger: Logger,
): Promise<void> {
  let tables = joined;
  for (let round = 0; round < 3 && (await tablesChangedSince(bucket, tables)); round++) {
    tables = await withRejoinInputs(bucket, async (inputs) => {
      const again = await rejoinPart(bucket, object.week, object.partId, inputs);
      logger.info('a table changed during extraction: part joined again', { key: object.key, joined: again?.joined });
      return inputs.tables;
    });
  }
}

function extractDepsFromEnv(): ExtractDeps {
  const bucket = requireEnv('DATA_BUCKET');
  return {
    bucket,
    store: s3Store(s3Client(), bucket),
    ...(process.env.BASE_WEEK ? { baseWeek: parseWeekId(process.env.BASE_WEEK) } : {}),
    ...(process.env.MAX_REJECTED_SHARE ? { maxRejectedShare: rejectedShareOf(process.env.MAX_REJECTED_SHARE) } : {}),
  };
}

function rejectedShareOf(text: string): number {
  const share = Number(text);
  if (!(share > 0 && share <= 1)) throw new Error(`MAX_REJECTED_SHARE must be a number in (0, 1], got "${text}"`);
  return share;
}

export const handler = lazyHandler(() => createExtractHandler(extractDepsFromEnv()));
