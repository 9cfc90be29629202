/**
 * What happens inside the local cloud (uploads, invocations, batches, destinations), as
 * events for progress displays and tests; any number of listeners follow it.
 */
import type { BatchOutcome } from './kinesis-poller.ts';
import type { SqsBatchOutcome } from './sqs-poller.ts';

export type Activity =
  | { kind: 'upload'; bucket: string; key: string }
  /** An invocation begins (the hook a test stops the cloud on, mid-work). */
  | { kind: 'invoke-start'; function: string; trigger: 'direct' | 'async' }
  | {
      kind: 'invoke';
      function: string;
      trigger: 'direct' | 'async';
      ok: boolean;
      durationMs: number;
      peakMemoryBytes: number;
      error?: string;
    }
  | { kind: 'async-done'; function: string; ok: boolean; attempts: number; condition?: string; destination?: string }
  | ({ kind: 'batch'; function: string } & BatchOutcome)
  | ({ kind: 'queue-batch'; function: string } & SqsBatchOutcome)
  /** An EventBridge rule matched an event and hands it to one of its targets. */
  | { kind: 'rule'; rule: string; target: string }
  | { kind: 'warning'; message: string };

export type Emit = (activity: Activity) => void;

export class ActivityFeed {
  readonly #listeners = new Set<(activity: Activity) => void>();

  constructor(first?: (activity: Activity) => void) {
    if (first) this.#listeners.add(first);
  }

  readonly emit: Emit = (activity) => {
    for (const listener of this.#listeners) listener(activity);
  };

  readonly warn = (message: string): void => this.emit({ kind: 'warning', message });

  /** Adds a listener; returns its unsubscribe. */
  subscribe(listener: (activity: Activity) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
