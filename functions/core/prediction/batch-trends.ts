/**
 * A predict batch's trend parts (trends.ts): per round of the batch, the counts and the
 * least-likely users of the records Lambda will not re-deliver. Every round the batch
 * scored gets a part (zero when none counted), so an earlier attempt's part under the same
 * key is replaced.
 */
import { atRiskUser, leastLikely, type ScoredUser } from './at-risk.ts';
import { countByRound, countedPrefix, trendPart, type TrendPart } from './trends.ts';

export interface BatchTrends {
  /** The batch's first record: its part keys are made of its shard and sequence number. */
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly modelVersion: string;
  /** Scored records by sequence number. */
  readonly scored: ReadonlyMap<string, ScoredUser>;
  /** Sequence numbers of the records that failed (Lambda re-delivers from the lowest). */
  readonly failed: readonly string[];
  readonly atRiskSize: number;
}

export function batchTrendParts(batch: BatchTrends, at: Date): TrendPart[] {
  const counted = countedPrefix(
    [...batch.scored].map(([sequenceNumber, user]) => ({ sequenceNumber, user })),
    batch.failed,
  ).map((r) => r.user);
  const counts = new Map(countByRound(counted.map((u) => u.result)).map((c) => [c.round, c]));
  const rounds = new Set([...batch.scored.values()].map((u) => u.result.round));
  return [...rounds].map((round) => {
    const inRound = counted.filter((u) => u.result.round === round).map(atRiskUser);
    const count = counts.get(round) ?? { round, scored: 0, retained: 0, expectedRetained: 0 };
    return trendPart(count, batch.shardId, batch.firstSequenceNumber, at, {
      modelVersion: batch.modelVersion,
      atRisk: leastLikely(inRound, batch.atRiskSize),
    });
  });
}
