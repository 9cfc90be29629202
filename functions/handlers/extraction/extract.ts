/**
 * Extract Lambda: S3 ObjectCreated under raw/events/ (.log, .tsv, .gz, and a multi-part
 * week's _SUCCESS). Extracts the object into extracted/week=<W>/part=<id>/ and writes the
 * week's _COMPLETE.json when the week is complete. Bad lines never fail the object (they go
 * to rejects.jsonl.gz); an unreadable object throws, so S3's async invocation retries it and
 * then sends the event to the on-failure queue.
 *
 * Environment: DATA_BUCKET (the bucket it may write to), BASE_WEEK (optional, the ISO week
 * numbered week 0 stands for; default 2017-W19), LOG_LEVEL, POWERTOOLS_SERVICE_NAME.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Event } from 'aws-lambda';
import { tablesChangedSince } from '#core/extraction/sources.ts';
import type { ObjectStore } from '#core/storage/port.ts';
import { DEFAULT_BASE_WEEK, parseWeekId, type WeekId } from '#core/weeks.ts';
import { requireEnv, s3Client } from '#aws/clients.ts';
import { extractEventObject } from '#aws/extraction/extract-object.ts';
import { decodeEventKey, eventObjectOf, weekOfSuccessKey } from '#aws/extraction/keys.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';
import { readRejoinInputs, rejoinPart } from '#aws/extraction/rejoin-parts.ts';
import { s3Store } from '#aws/s3-store.ts';
import { completePartsWeekIfReady, completeSingleFileWeek } from '#aws/extraction/week-completion.ts';

export interface ExtractOutcome {
  readonly key: string;
  readonly week: string;
  readonly part?: string;
  readonly complete: boolean;
}

export interface ExtractDeps {
  /** The data bucket's name: events for another bucket are refused. */
  readonly bucket: string;
  /** The data bucket. */
  readonly store: ObjectStore;
  readonly baseWeek: WeekId;
  readonly logger?: Logger;
}

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
        outcomes.push(await extractRecord(key));
      }
      return outcomes;
    } catch (error) {
      logger.error('extraction failed', { error: error as Error, keys: event.Records?.map((r) => r.s3.object.key) });
      throw error;
    }
  };
}

function recordExtractor({ store, baseWeek }: ExtractDeps, logger: Logger) {
  return async (key: string): Promise<ExtractOutcome> => {
    const successWeek = weekOfSuccessKey(key);
    if (successWeek !== undefined) {
      const completion = await completePartsWeekIfReady(store, successWeek);
      logger.info('week part list arrived', { key, week: successWeek, ...completion });
      return { key, week: successWeek, complete: completion.complete };
    }

    const object = eventObjectOf(key);
    const started = performance.now();
    const { manifest, written, ...extracted } = await extractEventObject(store, { key, baseWeek });
    let tables = extracted.tables;
    // A table replaced while this ran may have been re-joined before this part had a
    // manifest (the rejoin function skips such parts): join this part again if so.
    for (let round = 0; round < 3 && (await tablesChangedSince(store, tables)); round++) {
      const inputs = await readRejoinInputs(store);
      tables = inputs.tables;
      const again = await rejoinPart(store, object.week, object.partId, inputs);
      logger.info('a table changed during extraction: part joined again', { key, joined: again?.joined });
    }
    const completion =
      object.layout === 'single'
        ? await completeSingleFileWeek(store, object.week, object.partId)
        : await completePartsWeekIfReady(store, object.week);
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
      written,
      complete: completion.complete,
      ...(completion.complete ? {} : { waitingFor: completion.waitingFor }),
    });
    return { key, week: object.week, part: object.partId, complete: completion.complete };
  };
}

function extractDepsFromEnv(): ExtractDeps {
  const bucket = requireEnv('DATA_BUCKET');
  return {
    bucket,
    store: s3Store(s3Client(), bucket),
    baseWeek: parseWeekId(process.env.BASE_WEEK || DEFAULT_BASE_WEEK),
  };
}

export const handler = lazyHandler(() => createExtractHandler(extractDepsFromEnv()));
