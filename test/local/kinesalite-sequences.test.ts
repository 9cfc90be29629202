/**
 * The BigInt sequence numbers of infra/local/kinesalite-sequences.ts give kinesalite's own
 * digits and fields, and leave whatever they do not handle to kinesalite.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fastSequences, type SequenceFunctions } from '#infra/local/kinesalite-sequences.ts';

const db = createRequire(import.meta.url)('kinesalite/db/index.js') as SequenceFunctions;
const own = { parseSequence: db.parseSequence, stringifySequence: db.stringifySequence };
const fast = { ...own };
fastSequences(fast);

describe('kinesalite sequence numbers in BigInt', () => {
  it('build and parse the same numbers as kinesalite', () => {
    for (let i = 0; i < 2_000; i++) {
      const obj = {
        shardCreateTime: 1_764_640_000_000 + i * 1000,
        seqIx: String(i * 7919),
        byte1: '00',
        seqTime: 1_764_640_000_000 + i * 37_000,
        shardIx: i % 5,
      };
      const seq = own.stringifySequence(obj);
      expect(fast.stringifySequence(obj)).toBe(seq);
      expect(fast.parseSequence(seq)).toEqual(own.parseSequence(seq));
    }
  });

  it('leaves other input to kinesalite', () => {
    expect(() => fast.parseSequence('not a number')).toThrow();
    const version1 = own.stringifySequence({ shardCreateTime: 1_764_640_000_000, version: 1, shardIx: 3 });
    expect(fast.parseSequence(version1)).toEqual(own.parseSequence(version1));
  });
});
