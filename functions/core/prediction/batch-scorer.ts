/**
 * Scores rows handed in one record at a time as one batch: each record's handler awaits its
 * own probability, while the forest walks every row of the turn together (one call instead
 * of one per record, several times faster). When the batch throws, its rows are scored
 * again one by one, so the error stays with the record that caused it.
 */
import type { PredictionModel } from './model.ts';

interface Pending {
  readonly row: Float32Array;
  readonly resolve: (probability: number) => void;
  readonly reject: (error: unknown) => void;
}

export class BatchScorer {
  readonly #model: Pick<PredictionModel, 'score'>;
  #pending: Pending[] = [];

  constructor(model: Pick<PredictionModel, 'score'>) {
    this.#model = model;
  }

  /** The row's probability, scored with the rows other records hand in during the same turn. */
  score(row: Float32Array): Promise<number> {
    return new Promise((resolve, reject) => {
      // setImmediate: after every record handler of the batch has handed in its row.
      if (this.#pending.push({ row, resolve, reject }) === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    let probabilities: Float64Array;
    try {
      probabilities = this.#model.score(batch.map((p) => p.row));
    } catch {
      for (const p of batch) this.#scoreAlone(p);
      return;
    }
    batch.forEach((p, i) => settle(p, probabilities[i]));
  }

  #scoreAlone(p: Pending): void {
    try {
      settle(p, this.#model.score([p.row])[0]);
    } catch (error) {
      p.reject(error);
    }
  }
}

function settle(p: Pending, probability: number | undefined): void {
  if (probability === undefined) p.reject(new Error('the model returned no probability for the record'));
  else p.resolve(probability);
}
