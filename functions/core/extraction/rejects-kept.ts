/**
 * What rejects.jsonl holds of each source's rejects: the first `perReason` of each reason (a
 * person needs examples, not a million copies of one empty line); the rest are counted here.
 */
import { REJECT_REASONS, type LineCounts, type RejectReason, type RejectsKept } from './types.ts';

/** The cap and, by reason, the rejects of the sources' counts beyond it. */
export function rejectsKept(perReason: number, sources: readonly LineCounts[]): RejectsKept {
  const notKept: Partial<Record<RejectReason, number>> = {};
  for (const reason of REJECT_REASONS) {
    let beyond = 0;
    for (const counts of sources) beyond += Math.max(0, (counts.rejected[reason] ?? 0) - perReason);
    if (beyond > 0) notKept[reason] = beyond;
  }
  return { perReason, notKept };
}

/**
 * A part's record after its tables were replaced (a rejoin): the events' rejects beyond the
 * cap stay as counted, the old tables' are taken out and the new tables' put in.
 */
export function withTablesReplaced(
  kept: RejectsKept,
  oldTables: readonly LineCounts[],
  newTables: readonly LineCounts[],
): RejectsKept {
  const removed = rejectsKept(kept.perReason, oldTables).notKept;
  const added = rejectsKept(kept.perReason, newTables).notKept;
  const notKept: Partial<Record<RejectReason, number>> = {};
  for (const reason of REJECT_REASONS) {
    const beyond = (kept.notKept[reason] ?? 0) - (removed[reason] ?? 0) + (added[reason] ?? 0);
    if (beyond > 0) notKept[reason] = beyond;
  }
  return { perReason: kept.perReason, notKept };
}
