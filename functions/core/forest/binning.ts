/**
 * Features binned once into small integers, then stored row-major (all of a row's bins in
 * one run of `features` bytes): deep nodes touch scattered rows, and one cache line then
 * holds every feature of a row.
 * Continuous features get at most maxBins bins at quantile edges of the training data;
 * a threshold sits halfway between two neighbouring distinct values, so `x ≤ threshold`
 * sends the same rows left at training and at scoring. Categorical features keep their
 * category index as the bin.
 */

export interface FeatureInfo {
  readonly name: string;
  readonly kind: 'categorical' | 'continuous';
  /** Category names (categorical only); a value is an index into this list. */
  readonly values?: readonly string[];
}

export interface BinnedData {
  readonly rows: number;
  readonly labels: Uint8Array;
  readonly features: number;
  /** Bytes per row in rowBins: `features` rounded up to whole 4-byte words, so rows copy as words. */
  readonly stride: number;
  /** Row r's bin of feature f is rowBins[r * stride + f]. */
  readonly rowBins: Uint8Array;
  /** Bins a feature uses (categories for categorical features). */
  readonly binCount: number[];
  /** Continuous features: threshold of bin b is thresholds[f][b] (value ≤ it is in bin ≤ b); empty for categorical. */
  readonly thresholds: Float64Array[];
  readonly categorical: boolean[];
}

/** Rows the quantile edges are computed from, at most. */
const QUANTILE_SAMPLE = 200_000;

/** Ascending thresholds cutting `column` into at most maxBins bins of about equal row counts. */
function quantileThresholds(column: Float32Array, maxBins: number): Float64Array {
  // Above QUANTILE_SAMPLE rows the edges come from every k-th row (MLlib samples too):
  // the same edges for the same data, without sorting a million values per feature.
  const step = Math.ceil(column.length / QUANTILE_SAMPLE);
  const sample =
    step > 1
      ? Float32Array.from({ length: Math.ceil(column.length / step) }, (_, i) => column[i * step]!)
      : Float32Array.from(column);
  const sorted = sample.sort();
  const n = sorted.length;
  let distinct = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  const cuts: number[] = [];
  // Few distinct values (counts, ages): every boundary is a threshold, as MLlib does.
  const everyBoundary = distinct <= maxBins;
  const share = n / maxBins;
  let nextCut = share;
  for (let i = 0; i < n - 1; i++) {
    if (sorted[i] === sorted[i + 1]) continue;
    // Rows 0..i hold values ≤ sorted[i]: cut here once that passes the next quantile.
    if (everyBoundary || i + 1 >= nextCut) {
      cuts.push((sorted[i]! + sorted[i + 1]!) / 2);
      if (cuts.length === maxBins - 1) break;
      while (nextCut <= i + 1) nextCut += share;
    }
  }
  return Float64Array.from(cuts);
}

/** The bin of a value: the first b with value ≤ thresholds[b], else the last bin. */
function binOf(thresholds: Float64Array, value: number): number {
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= thresholds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Bins every column; throws when a categorical value is not a valid category index. */
export function binColumns(
  columns: readonly Float32Array[],
  labels: Uint8Array,
  features: readonly FeatureInfo[],
  maxBins: number,
): BinnedData {
  if (columns.length !== features.length)
    throw new Error(`dataset has ${columns.length} columns, the schema ${features.length} features`);
  const rows = labels.length;
  const d = features.length;
  const stride = Math.ceil(d / 4) * 4;
  const rowBins = new Uint8Array(rows * stride);
  const binCount: number[] = [];
  const thresholds: Float64Array[] = [];
  const categorical: boolean[] = [];
  // A counted loop, not entries(): `f` indexes rowBins in the row loops below.
  for (let f = 0; f < d; f++) {
    const feature = features[f];
    const column = columns[f];
    if (feature === undefined || column === undefined || column.length < rows)
      throw new Error(`column ${feature?.name ?? f} has ${column?.length ?? 0} rows, labels ${rows}`);
    if (feature.kind === 'categorical') {
      const k = feature.values?.length ?? 0;
      if (k > 32) throw new Error(`categorical feature ${feature.name} has ${k} categories; at most 32 are supported`);
      for (let r = 0; r < rows; r++) {
        const v = column[r]!;
        if (!(v >= 0 && v < k && Number.isInteger(v))) {
          throw new Error(`row ${r}: ${feature.name} = ${v} is not a category index (0..${k - 1})`);
        }
        rowBins[r * stride + f] = v;
      }
      binCount.push(k);
      thresholds.push(new Float64Array(0));
      categorical.push(true);
    } else {
      const t = quantileThresholds(column.subarray(0, rows), maxBins);
      for (let r = 0; r < rows; r++) rowBins[r * stride + f] = binOf(t, column[r]!);
      binCount.push(t.length + 1);
      thresholds.push(t);
      categorical.push(false);
    }
  }
  return { rows, labels: labels.subarray(0, rows), features: d, stride, rowBins, binCount, thresholds, categorical };
}
