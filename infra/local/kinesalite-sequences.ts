/**
 * kinesalite's sequence numbers in native BigInt. kinesalite parses and builds one per record
 * put and per record read with bignumber.js, which was the largest part of its thread's CPU
 * under a burst. Only the version-2 numbers kinesalite itself issues take this path, with the
 * same fields and digits; any other input goes to kinesalite's own functions, which then
 * answer (or throw) as before. Runs in kinesalite's thread (plain Node: no imports).
 */
interface SequenceObject {
  shardCreateTime: number;
  seqIx?: string | number;
  byte1?: string;
  seqTime?: number;
  shardIx?: number;
  version?: number | null;
}

export interface SequenceFunctions {
  parseSequence: (seq: unknown) => SequenceObject;
  stringifySequence: (obj: SequenceObject) => string;
}

const POW_2_124 = 2n ** 124n;
const POW_2_185 = 2n ** 185n;
const POW_2_185_NEXT = 3n * 2n ** 184n;
const DIGITS = /^\d+$/;

const hexOf = (n: number, width: number) => ('0'.repeat(width) + n.toString(16)).slice(-width);

/** Replaces kinesalite's exported parseSequence and stringifySequence with BigInt versions that fall back to them. */
export function fastSequences(db: SequenceFunctions): void {
  const { parseSequence, stringifySequence } = db;
  db.parseSequence = (seq) => {
    if (typeof seq !== 'string' || !DIGITS.test(seq)) return parseSequence(seq);
    let n = BigInt(seq);
    if (n < POW_2_124) n += POW_2_124;
    const hex = n.toString(16);
    if (!(n > POW_2_185 && n < POW_2_185_NEXT && hex.endsWith('2'))) return parseSequence(seq);
    const seqIxHex = hex.slice(11, 27);
    const shardIxHex = hex.slice(38, 46);
    const shardCreateSecs = parseInt(hex.slice(1, 10), 16);
    if (parseInt(seqIxHex[0] ?? '0', 16) > 7 || parseInt(shardIxHex[0] ?? '0', 16) > 7) return parseSequence(seq);
    if (shardCreateSecs >= 16025175000) return parseSequence(seq);
    return {
      shardCreateTime: shardCreateSecs * 1000,
      seqIx: BigInt(`0x${seqIxHex}`).toString(),
      byte1: hex.slice(27, 29),
      seqTime: parseInt(hex.slice(29, 38), 16) * 1000,
      shardIx: parseInt(shardIxHex, 16),
      version: 2,
    };
  };
  db.stringifySequence = (obj) => {
    const seqIx = String(obj.seqIx || 0);
    const shardIx = obj.shardIx || 0;
    if ((obj.version != null && obj.version !== 2) || !DIGITS.test(seqIx) || shardIx < 0) return stringifySequence(obj);
    const hex = [
      '2',
      hexOf(Math.floor(obj.shardCreateTime / 1000), 9),
      shardIx.toString(16).slice(-1),
      ('0000000000000000' + BigInt(seqIx).toString(16)).slice(-16),
      obj.byte1 || '00',
      hexOf(Math.floor((obj.seqTime || obj.shardCreateTime) / 1000), 9),
      hexOf(shardIx, 8),
      '2',
    ].join('');
    return BigInt(`0x${hex}`).toString();
  };
}
