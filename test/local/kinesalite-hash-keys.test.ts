/**
 * The BigInt hash keys of infra/local/kinesalite-hash-keys.ts compare with shard ranges as
 * kinesalite's BigNumber ones do, so every record lands in the same shard.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fastHashKeys, type HashKeyFunctions } from '#infra/local/kinesalite-hash-keys.ts';

const db = createRequire(import.meta.url)('kinesalite/db/index.js') as HashKeyFunctions;
const fast = { partitionKeyToHashKey: db.partitionKeyToHashKey };
fastHashKeys(fast);

/** Range ends as kinesalite writes them for a stream of `shards` shards: decimal strings. */
function rangeEnds(shards: number): string[] {
  const size = 2n ** 128n / BigInt(shards);
  return Array.from({ length: shards }, (_, i) => [
    (size * BigInt(i)).toString(),
    (size * BigInt(i + 1) - 1n).toString(),
  ]).flat();
}

describe('kinesalite hash keys in BigInt', () => {
  it('compare with every shard range end, and with 0 and 2^128, as kinesalite does', () => {
    const ends = [...rangeEnds(6), ...rangeEnds(7), '0', (2n ** 128n).toString()];
    for (let i = 0; i < 500; i++) {
      const key = i % 50 === 0 ? '' : `user-${i * 7919}`;
      const mine = fast.partitionKeyToHashKey(key);
      const theirs = db.partitionKeyToHashKey(key);
      for (const end of ends) expect(mine.comparedTo(end), `${key} vs ${end}`).toBe(theirs.comparedTo(end));
      expect(mine.comparedTo(0)).toBe(theirs.comparedTo(0));
    }
  });

  it('compares equal with its own value', () => {
    const key = fast.partitionKeyToHashKey('42');
    const value = (key as unknown as { value: bigint }).value.toString();
    expect(key.comparedTo(value)).toBe(0);
    expect(db.partitionKeyToHashKey('42').comparedTo(value)).toBe(0);
  });
});
