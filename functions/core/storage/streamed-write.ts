/**
 * An object written while it is being produced, by a producer that adds text synchronously
 * (a parser's reject callback) and awaits `drain()` between its own chunks: pieces are
 * batched, handed to the store's streamed write, and the producer waits whenever the store
 * is behind, so what is pending stays bounded whatever the input is.
 */
import type { ObjectStore, StreamWriteOptions, WriteResult } from './port.ts';

/** Pieces are handed over in batches of about this size... */
const BATCH_BYTES = 1 << 20;
/** ...and the producer waits while this many batches are still queued. */
const MAX_QUEUED = 2;

export interface StreamedWrite {
  add(piece: string | Uint8Array): void;
  /** Hands over a full batch, waiting while the store is behind. Throws the store's error if it failed. */
  drain(): Promise<void>;
  /** Writes what is left and waits until the object is stored. */
  close(): Promise<WriteResult>;
  /** Gives up: the object is not written (or keeps its earlier content). */
  abort(error: Error): Promise<void>;
}

export function openStreamedWrite(store: ObjectStore, key: string, options: StreamWriteOptions = {}): StreamedWrite {
  let pending: (string | Uint8Array)[] = [];
  let pendingBytes = 0;
  const queue: (string | Uint8Array)[] = [];
  let ended = false;
  let aborted: Error | undefined;
  let failure: unknown;
  const consumer = wakeUp();
  const producer = wakeUp();

  async function* batches(): AsyncGenerator<string | Uint8Array> {
    for (;;) {
      if (aborted) throw aborted;
      const next = queue.shift();
      if (next !== undefined) {
        producer.notify();
        yield next;
      } else if (ended) {
        return;
      } else {
        await consumer.wait();
      }
    }
  }

  const done = store.writeStream(key, batches(), options);
  done.catch((error: unknown) => {
    failure = error;
    producer.notify();
  });

  const handOver = () => {
    if (pending.length === 0) return;
    const texts = pending.every((p) => typeof p === 'string');
    queue.push(
      texts ? pending.join('') : Buffer.concat(pending.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))),
    );
    pending = [];
    pendingBytes = 0;
    consumer.notify();
  };

  return {
    add(piece) {
      pending.push(piece);
      pendingBytes += piece.length;
    },
    async drain() {
      if (failure) throw failure;
      if (pendingBytes >= BATCH_BYTES) handOver();
      while (queue.length >= MAX_QUEUED && !failure) await producer.wait();
      if (failure) throw failure;
    },
    async close() {
      handOver();
      ended = true;
      consumer.notify();
      return done;
    },
    async abort(error) {
      aborted = error;
      consumer.notify();
      await done.catch(() => undefined);
    },
  };
}

/** One side waits until the other notifies (a notify with nobody waiting is dropped: waiters check state first). */
function wakeUp(): { wait(): Promise<void>; notify(): void } {
  let resume: (() => void) | undefined;
  return {
    wait: () => new Promise<void>((resolve) => (resume = resolve)),
    notify() {
      const waiting = resume;
      resume = undefined;
      waiting?.();
    },
  };
}
