/**
 * Putting users' weekly features on the prediction stream: PutRecords in batches of 500
 * (partition key = userId), the entries a response marks failed (FailedRecordCount) sent
 * again with exponential backoff. `putUserFeatures` is the function a service of your own
 * calls; `retention feed` uses it too.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { PredictionRecord } from '#core/prediction/record.ts';

const PUT_RECORDS_MAX = 500;

export interface PutOptions {
  /** Tries per record at most (default 8). */
  readonly maxAttempts?: number;
  /** First pause (default 100 ms), doubled each retry, with jitter. */
  readonly baseDelayMs?: number;
  /** Called after each PutRecords with the records accepted so far. */
  readonly onProgress?: (accepted: number) => void;
}

export interface PutReport {
  readonly accepted: number;
  /** Entries sent again because a response marked them failed. */
  readonly retried: number;
  /** PutRecords calls made. */
  readonly requests: number;
}

export class PutRecordsError extends Error {
  override readonly name = 'PutRecordsError';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const encoder = new TextEncoder();

/** Puts records (JSON, partition key userId); resolves when every one was accepted. */
export async function putUserFeatures(
  kinesis: KinesisClient,
  streamName: string,
  records: readonly PredictionRecord[],
  options: PutOptions = {},
): Promise<PutReport> {
  const entries = records.map((r) => ({ PartitionKey: String(r.userId), Data: encoder.encode(JSON.stringify(r)) }));
  return putEntries(kinesis, streamName, entries, options);
}

/** Puts raw entries (any bytes: the benchmark's poison records go through here). */
export async function putEntries(
  kinesis: KinesisClient,
  streamName: string,
  entries: readonly PutRecordsRequestEntry[],
  options: PutOptions = {},
): Promise<PutReport> {
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelay = options.baseDelayMs ?? 100;
  let accepted = 0;
  let retried = 0;
  let requests = 0;
  for (let start = 0; start < entries.length; start += PUT_RECORDS_MAX) {
    let pending = entries.slice(start, start + PUT_RECORDS_MAX);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts) {
        throw new PutRecordsError(
          `${pending.length} records still refused after ${maxAttempts} tries; ${accepted} accepted`,
        );
      }
      if (attempt > 1) await sleep(baseDelay * 2 ** (attempt - 2) * (0.5 + Math.random()));
      requests++;
      let results;
      try {
        results =
          (await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: pending }))).Records ?? [];
      } catch (error) {
        // Throttling of the whole request: all of it again. Anything else is not ours to retry.
        if (!/Throughput|Throttl|LimitExceeded|ServiceUnavailable|InternalFailure/i.test((error as Error).name))
          throw error;
        retried += pending.length;
        continue;
      }
      // Results are in request order; an entry with an ErrorCode was not written.
      const failed = pending.filter(
        (_, i) => results[i]?.ErrorCode !== undefined || results[i]?.SequenceNumber === undefined,
      );
      accepted += pending.length - failed.length;
      retried += failed.length;
      pending = failed;
      options.onProgress?.(accepted);
    }
  }
  return { accepted, retried: retried, requests };
}
