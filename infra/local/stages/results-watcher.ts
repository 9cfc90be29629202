/**
 * The prediction stage's view of its own display queue (the results queue consumer that
 * `retention results` uses too): counts each round's distinct users as their results arrive,
 * deleting every results message (the queue is the display's alone), and shows the first few
 * results of each round.
 */
import type { Consumer } from 'sqs-consumer';
import type { LocalCloud } from '#infra/local/cloud.ts';
import type { PredictionResult } from '#core/prediction/result.ts';
import { resultsQueueConsumer } from '#aws/prediction/results-consumer.ts';

interface Tally {
  results: number;
  retained: number;
  users: Set<number>;
}

/** Counts results per round as they arrive, deleting each message (it was consumed). */
export class ResultsWatcher {
  readonly rounds = new Map<number, Tally>();
  private readonly consumer: Consumer;
  private waiters: (() => void)[] = [];
  modelVersion: string | undefined;

  constructor(cloud: LocalCloud, queueUrl: string, onResult: (line: string) => void) {
    this.consumer = resultsQueueConsumer(cloud.clients.sqs, queueUrl, (received) => {
      for (const r of received.flatMap((m) => m.results)) this.#count(r, onResult);
      this.waiters.splice(0).forEach((w) => w());
      return received.map((m) => m.message);
    });
    this.consumer.on('error', () => undefined); // transient receive errors: sqs-consumer polls again
  }

  #count(r: PredictionResult, onResult: (line: string) => void) {
    const tally = this.rounds.get(r.round) ?? { results: 0, retained: 0, users: new Set<number>() };
    if (!tally.users.has(r.userId)) {
      tally.users.add(r.userId);
      tally.results++;
      if (r.retained) tally.retained++;
    }
    this.rounds.set(r.round, tally);
    this.modelVersion = r.modelVersion;
    if (tally.results <= 3)
      onResult(
        `round ${r.round} user ${r.userId}: ${r.retained ? 'retained' : 'not retained'} (p=${r.probability.toFixed(3)}, ${r.modelVersion})`,
      );
  }

  start() {
    this.consumer.start();
  }

  stop() {
    this.consumer.stop({ abort: true });
  }

  /**
   * Resolves when `count` distinct users of `round` have a result, or when no new result has
   * come for `stallMs` (a large round takes as long as it takes; a stalled one gives up).
   */
  async waitFor(
    round: number,
    count: number,
    stallMs: number,
    signal?: AbortSignal,
    progress?: (t: Tally) => void,
  ): Promise<Tally> {
    let until = Date.now() + stallMs;
    let seen = -1;
    for (;;) {
      const tally = this.rounds.get(round) ?? { results: 0, retained: 0, users: new Set<number>() };
      progress?.(tally);
      if (tally.results > seen) [seen, until] = [tally.results, Date.now() + stallMs];
      if (tally.results >= count || Date.now() > until || signal?.aborted) return tally;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
