/**
 * A tree's rows as fixed-size records in node order. Every node's rows are one contiguous
 * run, so histogram passes read memory front to back, and a split moves whole records
 * (a handful of word copies) instead of gathering bins through a row index.
 * A record is `bytes` long: the row's bins (one byte per feature), then, in its last byte,
 * the tag weight × 2 + label: everything a histogram adds, in the record's cache line.
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

/**
 * The largest weight a tag holds. A bootstrap of n draws from n rows reaches it with a
 * chance below n / 127! (a weight above 12 is already rarer than 1 in 10^9 per row).
 */
export const MAX_WEIGHT = 127;

/** Records of the rows with weight > 0 (at most MAX_WEIGHT), in row order. */
export function packRecords(data: BinnedData, weights: Uint8Array): Records {
  const { rows, labels, rowBins, features } = data;
  const rowWords = data.stride / 4;
  // Room for every bin and the tag byte, in whole words.
  const wordsPerRecord = Math.ceil((features + 1) / 4);
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
    const to = o * wordsPerRecord;
    for (let k = 0, from = r * rowWords; k < rowWords; k++) words[to + k] = binWords[from + k]!;
    const label = labels[r]!;
    bytes[to * 4 + bytesPerRecord - 1] = w * 2 + label;
    if (label === 1) n1 += w;
    else n0 += w;
    o++;
  }
  return { words, bytes, wordsPerRecord, bytesPerRecord, count, n0, n1 };
}
