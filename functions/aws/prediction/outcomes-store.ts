/**
 * The S3 side of outcomes: a week's kept predictions (predictions/scored/week=<W>/), the
 * active users of the week after from its complete extraction, and the site's
 * data/outcomes.json with that week's entry replaced. The outcomes Lambda runs one at a
 * time, so the read-modify-write of outcomes.json does not race.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseActiveUsers } from '#core/extraction/index.ts';
import {
  SITE_OUTCOMES_KEY,
  outcomesFrom,
  weekOutcome,
  withWeekOutcome,
  type WeekOutcome,
} from '#core/prediction/outcomes.ts';
import { parseScoredPart, scoredWeekPrefix } from '#core/prediction/scored.ts';
import { TrainingStore } from '#aws/training/store.ts';
import { weekSources } from '#aws/training/sources.ts';

export type OutcomeUpdate =
  | { readonly status: 'written' | 'unchanged'; readonly outcome: WeekOutcome }
  | { readonly status: 'waiting'; readonly reason: string };

export interface OutcomeBuckets {
  readonly dataBucket: string;
  readonly siteBucket: string;
  /** The gate's AUC floor. */
  readonly floor: number;
}

/** Recomputes `week`'s outcome and writes it into outcomes.json when it changed. */
export async function updateWeekOutcome(s3: S3Client, at: OutcomeBuckets, week: number): Promise<OutcomeUpdate> {
  const store = new TrainingStore(s3);
  const outcomeWeek = String(week + 1);
  const next = await weekSources(store, at.dataBucket, outcomeWeek);
  if (!next.complete) return { status: 'waiting', reason: `week ${outcomeWeek} is not extracted completely yet` };
  const activeNext = await activeUsersOf(store, at.dataBucket, next.parts, outcomeWeek);
  const parts = await readScoredParts(store, at.dataBucket, week);
  const outcome = weekOutcome(week, parts, activeNext, at.floor);
  if (!outcome) return { status: 'waiting', reason: `no predictions kept for week ${week}` };
  const text = await store.getTextIfExists(at.siteBucket, SITE_OUTCOMES_KEY);
  const current = outcomesFrom(text === undefined ? undefined : parseOrUndefined(text));
  const updated = JSON.stringify(withWeekOutcome(current, outcome, at.floor), null, 2) + '\n';
  if (updated === text) return { status: 'unchanged', outcome };
  await s3.send(
    new PutObjectCommand({
      Bucket: at.siteBucket,
      Key: SITE_OUTCOMES_KEY,
      Body: updated,
      ContentType: 'application/json',
      CacheControl: 'no-cache',
    }),
  );
  return { status: 'written', outcome };
}

async function activeUsersOf(
  store: TrainingStore,
  bucket: string,
  parts: readonly { prefix: string; activeUsers?: string }[],
  week: string,
): Promise<Set<number>> {
  const active = new Set<number>();
  for (const part of parts) {
    if (part.activeUsers === undefined) throw new Error(`week ${week}: ${part.prefix} has no active_users.txt`);
    for (const id of parseActiveUsers(await store.getText(bucket, part.activeUsers))) active.add(id);
  }
  return active;
}

async function readScoredParts(store: TrainingStore, bucket: string, week: number) {
  const keys = (await store.list(bucket, scoredWeekPrefix(week))).map((o) => o.key).filter((k) => k.endsWith('.json'));
  return Promise.all(keys.map(async (key) => parseScoredPart(await store.getText(bucket, key), key)));
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
