/**
 * The message a poison record becomes in the poison dead-letter queue: why, where it came
 * from, and the data itself. A record whose message would pass the queue's size budget is
 * kept whole under `poison/<sha256>` in the data bucket (claim check): its message then
 * carries the first bytes, the size, the digest and that key instead of the whole data.
 */
import { hash } from 'node:crypto';
import type { PoisonReason } from './record.ts';

export interface PoisonMessage {
  readonly formatVersion: 1;
  readonly reason: PoisonReason;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly arrivedAt: string;
  /** The record's size in bytes and its sha256 (hex): what the kept data must match. */
  readonly dataBytes: number;
  readonly dataSha256: string;
  /** The record's bytes exactly as received (absent when the record is kept in the bucket). */
  readonly dataBase64?: string;
  /** Claim check: the first 4 KiB of the record, and the data bucket key of the whole record. */
  readonly dataPrefixBase64?: string;
  readonly dataKey?: string;
  /** The record's beginning decoded, when it is printable UTF-8 text (cut at 4 KiB). */
  readonly dataText?: string;
}

export interface PoisonSource {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly arrivedAt: Date;
  /** The record's bytes, and the same as base64 (Kinesis delivers both ways round). */
  readonly data: Uint8Array;
  readonly dataBase64: string;
}

/** The message body to send and, when the record is too big for it, the object to keep first. */
export interface PoisonEnvelope {
  readonly body: string;
  readonly claimCheck?: { readonly key: string; readonly data: Uint8Array };
}

const MAX_PREFIX = 4096;

/** Where a claim-checked poison record is kept: by digest, so a retried record lands on itself. */
const poisonDataKey = (sha256: string) => `poison/${sha256}`;

/** The poison message for a record, within `maxBodyBytes` (UTF-8) whatever the record's size. */
export function poisonEnvelope(reason: PoisonReason, source: PoisonSource, maxBodyBytes: number): PoisonEnvelope {
  const sha256 = hash('sha256', source.data, 'hex');
  const text = printableText(source.data);
  const base = {
    formatVersion: 1,
    reason,
    shardId: source.shardId,
    sequenceNumber: source.sequenceNumber,
    partitionKey: source.partitionKey,
    arrivedAt: source.arrivedAt.toISOString(),
    dataBytes: source.data.byteLength,
    dataSha256: sha256,
  } as const;
  const textPart = text === undefined ? {} : { dataText: text };
  // The base64 alone longer than the budget cannot fit: no need to build a message of it.
  if (source.dataBase64.length <= maxBodyBytes) {
    const whole = messageText({ ...base, dataBase64: source.dataBase64, ...textPart });
    if (Buffer.byteLength(whole) <= maxBodyBytes) return { body: whole };
  }
  const key = poisonDataKey(sha256);
  const prefix = Buffer.from(source.data.subarray(0, MAX_PREFIX)).toString('base64');
  return {
    body: messageText({ ...base, dataPrefixBase64: prefix, dataKey: key, ...textPart }),
    claimCheck: { key, data: source.data },
  };
}

/**
 * JSON that SQS accepts: JSON.stringify escapes control characters and lone surrogates, but
 * leaves U+FFFE and U+FFFF, which SQS refuses; escaped, they read back the same.
 */
function messageText(message: PoisonMessage): string {
  return JSON.stringify(message).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function printableText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    // stream: a character cut in two at 4 KiB is held back, not taken for invalid UTF-8.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, MAX_PREFIX), { stream: true });
  } catch {
    return undefined;
  }
  // Control characters other than tab/newline say "binary", not text.
  // eslint-disable-next-line no-control-regex -- finding control characters is this check's purpose
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? undefined : text;
}
