/**
 * Binning takes two roads to the same bins: whole-number columns (counts, ages) are
 * counted and looked up, other columns sorted and searched. A column and the same column
 * shifted by a half must get the same bins, thresholds a half apart.
 */
import { describe, expect, it } from 'vitest';
import { binColumns, type FeatureInfo } from '#core/forest/binning.ts';
import { mulberry32 } from '#core/forest/rng.ts';

const FEATURES: FeatureInfo[] = [
  { name: 'whole', kind: 'continuous' },
  { name: 'shifted', kind: 'continuous' },
];

/** Skewed counts 0..60 (many zeros, a long tail) and the same values + 0.5. */
function columns(rows: number, seed: number): Float32Array[] {
  const random = mulberry32(seed);
  const whole = Float32Array.from({ length: rows }, () => Math.floor(60 * random() ** 3));
  return [whole, whole.map((v) => v + 0.5)];
}

const binsOf = (data: ReturnType<typeof binColumns>, f: number) =>
  Buffer.from(Uint8Array.from({ length: data.rows }, (_, r) => data.rowBins[r * data.stride + f]!));

describe('binning', () => {
  for (const maxBins of [8, 32, 64]) {
    it(`bins whole numbers by counting as sorting would (maxBins ${maxBins})`, () => {
      const data = binColumns(columns(5000, maxBins), new Uint8Array(5000), FEATURES, maxBins);
      const [whole, shifted] = [data.thresholds[0]!, data.thresholds[1]!];
      expect(whole.length).toBeGreaterThan(2);
      expect(whole.length).toBeLessThanOrEqual(maxBins - 1);
      expect(Array.from(shifted)).toEqual(Array.from(whole, (t) => t + 0.5));
      expect(binsOf(data, 0)).toEqual(binsOf(data, 1));
    });
  }

  it('bins values the quantile sample never saw (past 200k rows only every k-th row is sampled)', () => {
    const rows = 250_000;
    const [whole, shifted] = columns(rows, 3);
    // Odd rows are not in the sample: values above its maximum take the last bin, values in between search.
    whole![1] = 500;
    shifted![1] = 500.5;
    whole![3] = 2.25;
    shifted![3] = 2.75;
    const data = binColumns([whole!, shifted!], new Uint8Array(rows), FEATURES, 32);
    expect(binsOf(data, 0).equals(binsOf(data, 1))).toBe(true);
    expect(data.rowBins[1 * data.stride]).toBe(data.binCount[0]! - 1);
    const t = data.thresholds[0]!;
    const bin3 = data.rowBins[3 * data.stride]!;
    expect(2.25).toBeLessThanOrEqual(t[bin3]!);
    expect(bin3 === 0 || 2.25 > t[bin3 - 1]!).toBe(true);
  });
});
