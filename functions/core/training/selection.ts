/** Choosing the run's winner among its candidates. */

export interface ScoredCandidate {
  readonly id: string;
  readonly auc: number;
  /** Total nodes over all trees: the size a tie is broken on. */
  readonly nodes: number;
}

/** Two AUCs closer than this are a tie (they differ only in floating-point noise). */
const AUC_TIE = 1e-9;

/** The best candidate by test AUC; a tie goes to the smaller model, then to the earlier id (c2 before c10). */
export function pickBest<T extends ScoredCandidate>(candidates: readonly T[]): T {
  const [first, ...rest] = candidates;
  if (first === undefined)
    throw new Error('no candidate to choose from: every training task failed or the grid was empty');
  let best = first;
  for (const c of rest) {
    if (Number.isNaN(c.auc)) continue;
    const better =
      Number.isNaN(best.auc) ||
      c.auc > best.auc + AUC_TIE ||
      (Math.abs(c.auc - best.auc) <= AUC_TIE &&
        (c.nodes < best.nodes || (c.nodes === best.nodes && earlier(c.id, best.id))));
    if (better) best = c;
  }
  return best;
}

function earlier(a: string, b: string): boolean {
  return a.localeCompare(b, 'en', { numeric: true }) < 0;
}
