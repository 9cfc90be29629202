/**
 * Results travel many to a message: a message per result made every result cost its own share
 * of a PublishBatch call, and every subscriber a ReceiveMessage and a DeleteMessage, which
 * bounded how fast a burst drains (docs/prediction.md, "Capacity"). The grouper gathers the
 * results sent in the same turn, puts up to `maxResults` that share their message attributes
 * (round, model version) into one message of at most SNS's 256 KiB, and sends each message
 * on (to the SNS publisher, which packs up to 10 messages a call); every caller's promise
 * follows the fate of the message that carries its result.
 */
import { resultsMessageBody } from '#core/prediction/result.ts';
import { SameTurnGatherer } from './batched-sender.ts';
import { SNS_MAX_BATCH_BYTES, messageBytes, type MessagePublisher, type OutgoingMessage } from './sns-publish-batch.ts';

export class ResultsGrouper implements MessagePublisher {
  private readonly gatherer: SameTurnGatherer<OutgoingMessage>;

  constructor(next: MessagePublisher, maxResults: number) {
    this.gatherer = new SameTurnGatherer((waiting) => {
      for (const group of groupMessages(
        waiting.map((w) => ({ ...w.item, caller: w })),
        maxResults,
      )) {
        const attributes = group[0]?.attributes;
        const body = resultsMessageBody(group.map((r) => r.body));
        next.send({ body, ...(attributes ? { attributes } : {}) }).then(
          () => group.forEach((r) => r.caller.resolve()),
          (error: Error) => group.forEach((r) => r.caller.reject(error)),
        );
      }
    });
  }

  /** `message.body` is one serialized result; resolves once the message carrying it was accepted. */
  send(message: OutgoingMessage): Promise<void> {
    return this.gatherer.send(message);
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
