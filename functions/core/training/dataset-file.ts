/**
 * The compact form Prepare writes for Train and Evaluate (`training/<runId>/train.bin`,
 * `test.bin`): a JSON header line, then the raw little-endian arrays — user ids (Float64),
 * labels (Uint8), then one Float32 column per feature in FEATURES order. About 77 bytes a
 * user, read back without parsing text.
 */
import { FEATURE_NAMES } from '#core/schema.ts';
import type { LabelledSet } from './labels.ts';

const DATASET_FORMAT_VERSION = 1;
const MAGIC = 'retention-dataset';

interface Header {
  readonly magic: typeof MAGIC;
  readonly formatVersion: number;
  readonly rows: number;
  readonly features: readonly string[];
}

export function encodeDataset(set: LabelledSet): Uint8Array {
  const chunks = [...datasetChunks(set)];
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * The same bytes as views of the set's own arrays, in order: Prepare streams them to S3
 * without a second copy of the set (~77 bytes a user) in memory.
 */
export function* datasetChunks(set: LabelledSet): Generator<Uint8Array> {
  const header: Header = {
    magic: MAGIC,
    formatVersion: DATASET_FORMAT_VERSION,
    rows: set.rows,
    features: FEATURE_NAMES,
  };
  yield new TextEncoder().encode(JSON.stringify(header) + '\n');
  yield new Uint8Array(set.userIds.buffer, set.userIds.byteOffset, set.rows * 8);
  const labels = new Uint8Array(align4(set.rows));
  labels.set(set.labels.subarray(0, set.rows));
  yield labels;
  for (const column of set.columns) yield new Uint8Array(column.buffer, column.byteOffset, set.rows * 4);
}

/** Reads a dataset file; `source` names it in errors. The arrays copy out of `bytes`. */
export function decodeDataset(bytes: Uint8Array, source: string): LabelledSet {
  const newline = bytes.indexOf(10);
  if (newline < 0) throw new Error(`${source}: not a training dataset (no header line)`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, newline))) as Header;
  } catch {
    throw new Error(`${source}: not a training dataset (header is not JSON)`);
  }
  if (header.magic !== MAGIC) throw new Error(`${source}: not a training dataset`);
  if (header.formatVersion !== DATASET_FORMAT_VERSION) {
    throw new Error(
      `${source}: dataset formatVersion ${header.formatVersion}, this code reads ${DATASET_FORMAT_VERSION}`,
    );
  }
  if (header.features.join(',') !== FEATURE_NAMES.join(','))
    throw new Error(`${source}: dataset features differ from this code's schema`);
  const rows = header.rows;
  let at = newline + 1;
  const expected = at + rows * 8 + align4(rows) + FEATURE_NAMES.length * rows * 4;
  if (bytes.length !== expected)
    throw new Error(`${source}: ${bytes.length} bytes, expected ${expected} for ${rows} rows`);
  // A fresh, aligned copy: typed-array views need aligned offsets, and `bytes` may be a view
  // into a bigger buffer (a Node Buffer, whose slice() does not copy).
  const copy = new Uint8Array(bytes.length - at);
  copy.set(bytes.subarray(at));
  at = 0;
  const userIds = new Float64Array(copy.buffer, at, rows);
  at += rows * 8;
  const labels = new Uint8Array(copy.buffer, at, rows);
  at += align4(rows);
  const columns = FEATURE_NAMES.map(() => {
    const column = new Float32Array(copy.buffer, at, rows);
    at += rows * 4;
    return column;
  });
  return { rows, userIds, labels, columns };
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
