/**
 * The prediction feed: a week's users put on the prediction stream once a round, as a
 * service would send its users' weekly features. `retention feed` and the local cloud's
 * prediction stage both feed through here.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { roundRecords, type UserFeatures } from '#core/prediction/features-records.ts';
import { putUserFeatures } from './kinesis-producer.ts';

export interface FeedOptions {
  readonly first: number;
  readonly rounds: number;
  /** The week whose features these are, put on every record (a numbered week). */
  readonly week?: number;
  /** Pause between two rounds. */
  readonly intervalMs: number;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** Sends `rounds` rounds (or until the signal aborts); resolves with the rounds sent. */
export async function feedRounds(
  kinesis: KinesisClient,
  stream: string,
  users: readonly UserFeatures[],
  options: FeedOptions,
): Promise<number> {
  let sent = 0;
  for (let round = options.first; sent < options.rounds && !options.signal?.aborted; round++) {
    const started = Date.now();
    const report = await putUserFeatures(kinesis, stream, roundRecords(users, round, options.week));
    sent++;
    options.log(
      `round ${round}: ${report.accepted} records in ${report.requests} PutRecords (${report.retried} retried) in ${Date.now() - started} ms`,
    );
    if (sent < options.rounds) await abortableSleep(options.intervalMs, options.signal);
  }
  return sent;
}

/** Waits `ms`, or less when the signal aborts first (it resolves either way: stopping is not an error). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}
