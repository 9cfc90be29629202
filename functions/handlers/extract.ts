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
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { DEFAULT_BASE_WEEK, parseWeekId } from '../core/weeks.ts';
import { requireEnv, s3Client } from '../aws/clients.ts';
import { extractEventObject, tablesChangedSince } from '../aws/extract-object.ts';
import { readRejoinInputs, rejoinPart } from '../aws/rejoin-parts.ts';
import { decodeEventKey, eventObjectOf, weekOfSuccessKey } from '../aws/extraction-keys.ts';
import { completePartsWeekIfReady, completeSingleFileWeek } from '../aws/week-completion.ts';

const logger = new Logger();
let s3: S3Client | undefined;

export interface ExtractOutcome {
  readonly key: string;
  readonly week: string;
  readonly part?: string;
  readonly complete: boolean;
}

export async function handleS3Event(
  event: S3Event,
  deps: { s3: S3Client; bucket: string; baseWeek: string },
): Promise<ExtractOutcome[]> {
  const outcomes: ExtractOutcome[] = [];
  for (const record of event.Records ?? []) {
    const bucket = record.s3.bucket.name;
    const key = decodeEventKey(record.s3.object.key);
    if (bucket !== deps.bucket)
      throw new Error(`event for s3://${bucket}/${key}, but this function works on ${deps.bucket}`);

    const successWeek = weekOfSuccessKey(key);
    if (successWeek !== undefined) {
      const completion = await completePartsWeekIfReady(deps.s3, bucket, successWeek);
      logger.info('week part list arrived', { key, week: successWeek, ...completion });
      outcomes.push({ key, week: successWeek, complete: completion.complete });
      continue;
    }

    const object = eventObjectOf(key);
    const started = performance.now();
    let { manifest, written, tables } = await extractEventObject(deps.s3, { bucket, key, baseWeek: deps.baseWeek });
    // A table replaced while this ran may have been re-joined before this part had a
    // manifest (the rejoin function skips such parts): join this part again if so.
    for (let round = 0; round < 3 && (await tablesChangedSince(deps.s3, bucket, tables)); round++) {
      const inputs = await readRejoinInputs(deps.s3, bucket);
      tables = inputs.tables;
      const again = await rejoinPart(deps.s3, bucket, object.week, object.partId, inputs);
      logger.info('a table changed during extraction: part joined again', { key, joined: again?.joined });
    }
    const completion =
      object.layout === 'single'
        ? await completeSingleFileWeek(deps.s3, bucket, object.week, object.partId)
        : await completePartsWeekIfReady(deps.s3, bucket, object.week);
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
    outcomes.push({ key, week: object.week, part: object.partId, complete: completion.complete });
  }
  return outcomes;
}

export const handler = async (event: S3Event): Promise<ExtractOutcome[]> => {
  s3 ??= s3Client();
  const baseWeek = parseWeekId(process.env.BASE_WEEK || DEFAULT_BASE_WEEK);
  try {
    return await handleS3Event(event, { s3, bucket: requireEnv('DATA_BUCKET'), baseWeek });
  } catch (error) {
    logger.error('extraction failed', { error: error as Error, keys: event.Records?.map((r) => r.s3.object.key) });
    throw error;
  }
};
