/**
 * kinesalite's partition key → hash key in native BigInt. kinesalite makes a bignumber.js
 * BigNumber of each record's MD5 and compares it with every shard's range strings, which
 * was the largest part of its PutRecords work after the sequence numbers
 * (kinesalite-sequences.ts). Its actions only call `comparedTo` on the result, with a shard
 * range's decimal string or a number; the answers are the same. Runs in kinesalite's thread
 * (plain Node: node: imports only).
 */
import { createHash } from 'node:crypto';

export interface HashKeyFunctions {
  partitionKeyToHashKey: (partitionKey: string) => { comparedTo(other: unknown): number };
}

/** Shard ranges are a few strings compared again and again: parsed once each. */
const parsed = new Map<string, bigint>();

function bigIntOf(value: unknown): bigint {
  if (typeof value === 'number') return BigInt(value);
  const text = String(value);
  let n = parsed.get(text);
  if (n === undefined) parsed.set(text, (n = BigInt(text)));
  return n;
}

class HashKey {
  readonly value: bigint;
  constructor(value: bigint) {
    this.value = value;
  }
  comparedTo(other: unknown): number {
    const o = bigIntOf(other);
    return this.value < o ? -1 : this.value > o ? 1 : 0;
  }
}

/** Replaces kinesalite's exported partitionKeyToHashKey (its actions call it through the module's exports). */
export function fastHashKeys(db: HashKeyFunctions): void {
  db.partitionKeyToHashKey = (partitionKey) =>
    new HashKey(BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`));
}
