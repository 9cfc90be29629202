/**
 * Scored predictions kept per week, so that a week's predictions can later be compared with
 * who came back (outcomes.ts). Each predict batch writes one part per week its records named,
 * keyed like the trend parts by shard and first sequence number: a retried batch overwrites
 * its own part. Only the counted prefix (trends.ts `countedPrefix`) goes in a part.
 */
import { countedPrefix } from './trends.ts';

/** One scored user of a week. */
interface ScoredUser {
  readonly userId: number;
  readonly probability: number;
  readonly modelVersion: string;
}

export interface ScoredPart {
  readonly formatVersion: 1;
  readonly week: number;
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly writtenAt: string;
  readonly users: readonly ScoredUser[];
}

export const SCORED_PREFIX = 'predictions/scored/';

export const scoredWeekPrefix = (week: number | string) => `${SCORED_PREFIX}week=${week}/`;

export function scoredPartKey(week: number, shardId: string, firstSequenceNumber: string): string {
  return `${scoredWeekPrefix(week)}${shardId.replaceAll('/', '_')}-${firstSequenceNumber}.json`;
}

/** The week a scored part key belongs to, or undefined for any other key. */
export function weekOfScoredKey(key: string): number | undefined {
  const match = /^predictions\/scored\/week=(\d+)\/[^/]+\.json$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

interface ScoredResult {
  readonly userId: number;
  readonly probability: number;
  readonly modelVersion: string;
  readonly week?: number;
}

/**
 * A batch's parts, from its results by sequence number: the counted results that named a
 * week, grouped by week. Every week any result of the batch named gets a part (empty when
 * none was counted), so an earlier attempt's part under the same key is replaced.
 */
export function scoredParts(
  scored: ReadonlyMap<string, ScoredResult>,
  failed: readonly string[],
  batch: { readonly shardId: string; readonly firstSequenceNumber: string },
  now: Date,
): ScoredPart[] {
  const byWeek = new Map<number, ScoredUser[]>();
  for (const r of scored.values()) if (r.week !== undefined) byWeek.set(r.week, []);
  const listed = [...scored].map(([sequenceNumber, result]) => ({ sequenceNumber, result }));
  for (const { result: r } of countedPrefix(listed, failed)) {
    if (r.week === undefined) continue;
    byWeek.get(r.week)?.push({ userId: r.userId, probability: r.probability, modelVersion: r.modelVersion });
  }
  return [...byWeek].map(([week, users]) => ({
    formatVersion: 1,
    week,
    ...batch,
    writtenAt: now.toISOString(),
    users,
  }));
}

/** A part read back from S3, checked. */
export function parseScoredPart(text: string, key: string): ScoredPart {
  const part = JSON.parse(text) as Partial<ScoredPart>;
  const valid =
    part.formatVersion === 1 &&
    typeof part.week === 'number' &&
    Array.isArray(part.users) &&
    part.users.every(
      (u) => typeof u.userId === 'number' && typeof u.probability === 'number' && typeof u.modelVersion === 'string',
    );
  if (!valid)
    throw new Error(
      `${key} is not a scored part (formatVersion 1, week, users[{ userId, probability, modelVersion }])`,
    );
  return part as ScoredPart;
}
