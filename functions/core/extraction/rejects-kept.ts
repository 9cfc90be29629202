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
