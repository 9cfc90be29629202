/**
 * The prediction stage's view of its own display queue (sqs-consumer): counts each round's
 * distinct users as their results arrive, deleting every message (the queue is the display's
 * alone), and shows the first few results of each round.
 */
import { Consumer } from 'sqs-consumer';
import type { Message } from '@aws-sdk/client-sqs';
import type { LocalCloud } from '#infra/local/cloud.ts';
import { parseResultsMessage } from '#core/prediction/result.ts';

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
    this.consumer = Consumer.create({
      queueUrl,
      sqs: cloud.clients.sqs,
      batchSize: 10,
      waitTimeSeconds: 1,
      handleMessageBatch: async (messages: Message[]) => {
        for (const r of messages.flatMap((m) => parseResultsMessage(m.Body ?? ''))) {
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
        this.waiters.splice(0).forEach((w) => w());
        return messages;
      },
    });
    this.consumer.on('error', () => undefined); // transient receive errors: sqs-consumer polls again
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
