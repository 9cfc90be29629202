/**
 * Results travel many to a message: a message per result made every result cost its own share
 * of a PublishBatch call, and every subscriber a ReceiveMessage and a DeleteMessage, which
 * bounded how fast a burst drains (docs/prediction.md, "Capacity"). The grouper gathers the
 * results sent in the same turn, puts up to `maxResults` that share their message attributes
 * (round, model version) into one message of at most SNS's 256 KiB, and sends each message
 * on (to the SNS publisher, which packs up to 10 messages a call); every caller's promise follows the fate of the message that carries its result.
 */
import { resultsMessageBody } from '#core/prediction/result.ts';
import { SNS_MAX_BATCH_BYTES, messageBytes, type MessagePublisher, type OutgoingMessage } from './sns-publish-batch.ts';

interface Pending extends OutgoingMessage {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class ResultsGrouper implements MessagePublisher {
  private queued: Pending[] = [];
  private scheduled = false;
  private readonly next: MessagePublisher;
  private readonly maxResults: number;

  constructor(next: MessagePublisher, maxResults: number) {
    this.next = next;
    this.maxResults = maxResults;
  }

  /** `message.body` is one serialized result; resolves once the message carrying it was accepted. */
  send(message: OutgoingMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ ...message, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    for (const group of groupMessages(this.queued.splice(0), this.maxResults)) {
      const [first] = group;
      const attributes = first?.attributes;
      const message = { body: resultsMessageBody(group.map((p) => p.body)), ...(attributes ? { attributes } : {}) };
      this.next.send(message).then(
        () => group.forEach((p) => p.resolve()),
        (error: Error) => group.forEach((p) => p.reject(error)),
      );
    }
  }
}

/** A message's bytes besides its results' own: the wrapper, its commas aside. */
const WRAPPER_BYTES = Buffer.byteLength(resultsMessageBody([]));

/**
 * Splits results into messages of the same attributes (in arrival order within each),
 * at most `maxResults` each and at most SNS's message size as SNS counts it (body and attributes).
 */
export function groupMessages<T extends OutgoingMessage>(results: readonly T[], maxResults: number): T[][] {
  const open = new Map<string, { results: T[]; bytes: number }>();
  const full: T[][] = [];
  for (const result of results) {
    const key = JSON.stringify(result.attributes ?? {});
    const bodyBytes = Buffer.byteLength(result.body);
    let group = open.get(key);
    if (group && (group.results.length >= maxResults || group.bytes + 1 + bodyBytes > SNS_MAX_BATCH_BYTES)) {
      full.push(group.results);
      group = undefined;
    }
    if (!group) {
      const attributeBytes = messageBytes({ body: '', attributes: result.attributes });
      open.set(key, (group = { results: [], bytes: WRAPPER_BYTES + attributeBytes - 1 }));
    }
    group.results.push(result);
    group.bytes += 1 + bodyBytes;
  }
  return [...full, ...[...open.values()].map((g) => g.results)];
}
