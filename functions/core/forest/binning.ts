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

/** Sampled values below this that are all whole numbers (counts, ages) are counted, not sorted. */
const SMALL_INTEGERS = 1 << 16;

/** A feature's thresholds, and for whole-number features a table of the bin of each value 0..n-1. */
interface FeatureBins {
  readonly thresholds: Float64Array;
  readonly binOfInteger: Uint8Array;
}

/** The distinct values of a sample, ascending, each with how many sampled values are ≤ it. */
interface Distinct {
  readonly values: number[];
  readonly atMost: number[];
}

function distinctOf(sample: Float32Array): Distinct {
  let max = 0;
  for (let i = 0; i < sample.length; i++) {
    const v = sample[i]!;
    if (!(v >= 0 && v < SMALL_INTEGERS && v === Math.floor(v))) return distinctBySorting(sample);
    if (v > max) max = v;
  }
  const counts = new Int32Array(max + 1);
  for (let i = 0; i < sample.length; i++) counts[sample[i]!]!++;
  const values: number[] = [];
  const atMost: number[] = [];
  for (let v = 0, seen = 0; v <= max; v++) {
    if (counts[v] === 0) continue;
    seen += counts[v]!;
    values.push(v);
    atMost.push(seen);
  }
  return { values, atMost };
}

function distinctBySorting(sample: Float32Array): Distinct {
  const sorted = sample.sort();
  const values: number[] = [];
  const atMost: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i + 1 < sorted.length && sorted[i] === sorted[i + 1]) continue;
    values.push(sorted[i]!);
    atMost.push(i + 1);
  }
  return { values, atMost };
}

/** Bins of about equal row counts for `column`: at most maxBins, at quantile edges of a sample. */
function featureBins(column: Float32Array, maxBins: number): FeatureBins {
  // Above QUANTILE_SAMPLE rows the edges come from every k-th row (MLlib samples too):
  // the same edges for the same data, without sorting a million values per feature.
  const step = Math.ceil(column.length / QUANTILE_SAMPLE);
  const sample = new Float32Array(Math.ceil(column.length / step));
  for (let i = 0; i < sample.length; i++) sample[i] = column[i * step]!;
  const { values, atMost } = distinctOf(sample);
  const n = sample.length;
  const cuts: number[] = [];
  // Few distinct values (counts, ages): every boundary is a threshold, as MLlib does.
  const everyBoundary = values.length <= maxBins;
  const share = n / maxBins;
  let nextCut = share;
  for (let k = 0; k < values.length - 1; k++) {
    // atMost[k] sampled values are ≤ values[k]: cut here once that passes the next quantile.
    const below = atMost[k]!;
    if (everyBoundary || below >= nextCut) {
      cuts.push((values[k]! + values[k + 1]!) / 2);
      if (cuts.length === maxBins - 1) break;
      while (nextCut <= below) nextCut += share;
    }
  }
  const thresholds = Float64Array.from(cuts);
  // Whole-number features look their bins up; only values the sample never had search.
  const whole = values.every((v) => v >= 0 && v < SMALL_INTEGERS && v === Math.floor(v));
  const binOfInteger = new Uint8Array(whole && values.length > 0 ? values.at(-1)! + 1 : 0);
  for (let v = 0; v < binOfInteger.length; v++) binOfInteger[v] = binOf(thresholds, v);
  return { thresholds, binOfInteger };
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

/** Rows binned together: their bytes stay in cache while every feature writes its byte of each. */
const ROW_BLOCK = 4096;

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
  const binCount: number[] = [];
  const thresholds: Float64Array[] = [];
  const categorical: boolean[] = [];
  const lookups: Uint8Array[] = [];
  for (const [f, feature] of features.entries()) {
    const column = columns[f];
    if (column === undefined || column.length < rows)
      throw new Error(`column ${feature.name} has ${column?.length ?? 0} rows, labels ${rows}`);
    if (feature.kind === 'categorical') {
      const k = feature.values?.length ?? 0;
      if (k > 32) throw new Error(`categorical feature ${feature.name} has ${k} categories; at most 32 are supported`);
      for (let r = 0; r < rows; r++) {
        const v = column[r]!;
        if (!(v >= 0 && v < k && Number.isInteger(v))) {
          throw new Error(`row ${r}: ${feature.name} = ${v} is not a category index (0..${k - 1})`);
        }
      }
      binCount.push(k);
      thresholds.push(new Float64Array(0));
      lookups.push(new Uint8Array(k).map((_, v) => v));
      categorical.push(true);
    } else {
      const bins = featureBins(column.subarray(0, rows), maxBins);
      binCount.push(bins.thresholds.length + 1);
      thresholds.push(bins.thresholds);
      lookups.push(bins.binOfInteger);
      categorical.push(false);
    }
  }
  const stride = Math.ceil(d / 4) * 4;
  const rowBins = new Uint8Array(rows * stride);
  for (let first = 0; first < rows; first += ROW_BLOCK) {
    const last = Math.min(rows, first + ROW_BLOCK);
    for (let f = 0; f < d; f++) {
      const [column, lookup, t] = [columns[f]!, lookups[f]!, thresholds[f]!];
      for (let r = first; r < last; r++) {
        const v = column[r]!;
        const k = v | 0;
        rowBins[r * stride + f] = k === v && k >= 0 && k < lookup.length ? lookup[k]! : binOf(t, v);
      }
    }
  }
  return { rows, labels: labels.subarray(0, rows), features: d, stride, rowBins, binCount, thresholds, categorical };
}
