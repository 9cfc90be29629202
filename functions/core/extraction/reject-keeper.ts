/**
 * Keeps the first rejects of each reason in each source and counts the rest: a person needs
 * examples of what went wrong, not a million copies of the same empty line (a 1 KB gzip of
 * newlines is a million of them). Every reject is still counted in the line counts.
 */
import { CODE } from './line-stream.ts';
import { REJECT_REASONS, type Reject, type RejectReason, type RejectSink, type RejectsKept } from './types.ts';

export interface RejectKeeper {
  /** Hands the reject to `keep` while its source and reason are under the cap. */
  readonly onReject: RejectSink;
  /** The cap and what was counted beyond it so far. */
  summary(): RejectsKept;
}

export function createRejectKeeper(perReason: number, keep: (reject: Reject) => void): RejectKeeper {
  if (!(Number.isInteger(perReason) && perReason >= 0)) {
    throw new Error(`rejects kept per reason must be a whole number ≥ 0, got ${perReason}`);
  }
  const keptInSource = new Float64Array(REJECT_REASONS.length);
  const notKept = new Float64Array(REJECT_REASONS.length);
  let source: string | undefined;
  return {
    onReject(reject) {
      // Sources are read one after another, so the per-source tally restarts with each.
      if (reject.source !== source) {
        source = reject.source;
        keptInSource.fill(0);
      }
      const code = CODE[reject.reason];
      if (keptInSource[code]! < perReason) {
        keptInSource[code]!++;
        keep(reject);
      } else {
        notKept[code]!++;
      }
    },
    summary() {
      const byReason: Partial<Record<RejectReason, number>> = {};
      REJECT_REASONS.forEach((reason, code) => {
        if (notKept[code]! > 0) byReason[reason] = notKept[code]!;
      });
      return { perReason, notKept: byReason };
    },
  };
}
