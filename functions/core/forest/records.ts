/**
 * A tree's rows as fixed-size records in node order. Every node's rows are one contiguous
 * run, so histogram passes read memory front to back, and a split moves whole records
 * (a handful of word copies) instead of gathering bins through a row index.
 * A record is `bytes` long: the row's bins (one byte per feature), then, in its last two
 * bytes, the tag weight × 2 + label (little-endian, whatever the platform's endianness).
 * Weights are bootstrap counts: one word per row for everything a histogram adds.
 */
import type { BinnedData } from './binning.ts';

export interface Records {
  /** The records as words (for copies) and as bytes (for reading bins and tags): one buffer. */
  readonly words: Uint32Array;
  readonly bytes: Uint8Array;
  /** Words and bytes per record. */
  readonly wordsPerRecord: number;
  readonly bytesPerRecord: number;
  /** Records held (rows with a weight above 0). */
  readonly count: number;
  /** Bootstrap-weighted class counts of all records. */
  readonly n0: number;
  readonly n1: number;
}

/** The largest weight a tag holds; a bootstrap of n draws from n rows never gets near it. */
const MAX_WEIGHT = 0x7fff;

/** Records of the rows with weight > 0, in row order. */
export function packRecords(data: BinnedData, weights: Uint32Array): Records {
  const { rows, labels, rowBins, features } = data;
  const rowWords = data.stride / 4;
  // Room for every bin and the two tag bytes, in whole words.
  const wordsPerRecord = Math.ceil((features + 2) / 4);
  const bytesPerRecord = wordsPerRecord * 4;
  let count = 0;
  for (let r = 0; r < rows; r++) if (weights[r]! > 0) count++;
  const words = new Uint32Array(count * wordsPerRecord);
  const bytes = new Uint8Array(words.buffer);
  const binWords = new Uint32Array(rowBins.buffer, rowBins.byteOffset, rows * rowWords);
  let n0 = 0;
  let n1 = 0;
  for (let r = 0, o = 0; r < rows; r++) {
    const w = weights[r]!;
    if (w === 0) continue;
    if (w > MAX_WEIGHT) throw new RangeError(`row ${r} drawn ${w} times: a record holds weights up to ${MAX_WEIGHT}`);
    const to = o * wordsPerRecord;
    for (let k = 0, from = r * rowWords; k < rowWords; k++) words[to + k] = binWords[from + k]!;
    const label = labels[r]!;
    const tag = w * 2 + label;
    bytes[to * 4 + bytesPerRecord - 2] = tag & 0xff;
    bytes[to * 4 + bytesPerRecord - 1] = tag >>> 8;
    if (label === 1) n1 += w;
    else n0 += w;
    o++;
  }
  return { words, bytes, wordsPerRecord, bytesPerRecord, count, n0, n1 };
}
