/**
 * What a trends notification names: the rounds of the trend parts in an S3 event, whether
 * it reached the function directly or as the body of a queue message (S3 notifications to
 * a queue, where S3 also sends one `s3:TestEvent` when the notification is set up).
 */
import { decodeEventKey, roundOfPartKey } from './trends.ts';

interface S3Records {
  readonly Records?: readonly { readonly s3?: { readonly object?: { readonly key?: unknown } } }[];
}

/** A queue message read: the rounds its parts belong to, S3's test message, or why it is neither. */
export type PartMessage =
  | { readonly kind: 'parts'; readonly rounds: number[] }
  | { readonly kind: 'test' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** The rounds of the parts an S3 event names, ascending (keys outside predictions/trends/ are ignored). */
export function roundsOfS3Event(event: S3Records): number[] {
  const rounds = new Set<number>();
  for (const record of event.Records ?? []) {
    const key = record.s3?.object?.key;
    const round = typeof key === 'string' ? roundOfPartKey(decodeEventKey(key)) : undefined;
    if (round !== undefined) rounds.add(round);
  }
  return [...rounds].sort((a, b) => a - b);
}

export function readPartMessage(body: string): PartMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { kind: 'invalid', reason: `not JSON: ${body.slice(0, 100)}` };
  }
  if (value === null || typeof value !== 'object') return { kind: 'invalid', reason: 'not an S3 event' };
  if ((value as { Event?: unknown }).Event === 's3:TestEvent') return { kind: 'test' };
  const records = (value as S3Records).Records;
  if (!Array.isArray(records)) return { kind: 'invalid', reason: 'an object without S3 event Records' };
  try {
    return { kind: 'parts', rounds: roundsOfS3Event(value as S3Records) };
  } catch (error) {
    return { kind: 'invalid', reason: `an object key that does not decode: ${(error as Error).message}` };
  }
}
