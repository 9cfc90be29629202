/**
 * Scores rows handed in one record at a time as one batch: each record's handler awaits its
 * own probability and contributions, while the forest walks every row of the turn together
 * (one call instead of one per record, several times faster). When the batch throws, its
 * rows are scored again one by one, so the error stays with the record that caused it.
 */
import type { PredictionModel } from './model.ts';

/** One row's answer: its probability and each feature's contribution to it (schema order). */
export interface Scored {
  readonly probability: number;
  readonly contributions: Float64Array;
}

interface Pending {
  readonly row: Float32Array;
  readonly resolve: (scored: Scored) => void;
  readonly reject: (error: unknown) => void;
}

export class BatchScorer {
  readonly #model: Pick<PredictionModel, 'explain'>;
  #pending: Pending[] = [];

  constructor(model: Pick<PredictionModel, 'explain'>) {
    this.#model = model;
  }

  /** The row's answer, scored with the rows other records hand in during the same turn. */
  score(row: Float32Array): Promise<Scored> {
    return new Promise((resolve, reject) => {
      // setImmediate: after every record handler of the batch has handed in its row.
      if (this.#pending.push({ row, resolve, reject }) === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    let explained: ReturnType<PredictionModel['explain']>;
    try {
      explained = this.#model.explain(batch.map((p) => p.row));
    } catch {
      for (const p of batch) this.#scoreAlone(p);
      return;
    }
    batch.forEach((p, i) => settle(p, explained, i));
  }

  #scoreAlone(p: Pending): void {
    try {
      settle(p, this.#model.explain([p.row]), 0);
    } catch (error) {
      p.reject(error);
    }
  }
}

function settle(p: Pending, explained: ReturnType<PredictionModel['explain']>, i: number): void {
  const probability = explained.probabilities[i];
  const d = p.row.length;
  if (probability === undefined || explained.contributions.length < (i + 1) * d)
    p.reject(new Error('the model returned no probability for the record'));
  else p.resolve({ probability, contributions: explained.contributions.subarray(i * d, (i + 1) * d) });
}
