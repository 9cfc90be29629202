/** The message a poison record becomes in the poison dead-letter queue: why, and the data itself. */
import type { PoisonReason } from './record.ts';

export interface PoisonMessage {
  readonly formatVersion: 1;
  readonly reason: PoisonReason;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly arrivedAt: string;
  /** The record's bytes exactly as received. */
  readonly dataBase64: string;
  /** The same decoded, when it is printable UTF-8 text (cut at 4 KiB). */
  readonly dataText?: string;
}

const MAX_TEXT = 4096;

export function poisonMessage(
  reason: PoisonReason,
  source: { shardId: string; sequenceNumber: string; partitionKey: string; arrivedAt: Date; dataBase64: string },
): PoisonMessage {
  const text = printableText(Buffer.from(source.dataBase64, 'base64'));
  return {
    formatVersion: 1,
    reason,
    shardId: source.shardId,
    sequenceNumber: source.sequenceNumber,
    partitionKey: source.partitionKey,
    arrivedAt: source.arrivedAt.toISOString(),
    dataBase64: source.dataBase64,
    ...(text === undefined ? {} : { dataText: text }),
  };
}

function printableText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, MAX_TEXT));
  } catch {
    return undefined;
  }
  // Control characters other than tab/newline say "binary", not text.
  // eslint-disable-next-line no-control-regex -- finding control characters is this check's purpose
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? undefined : text;
}
