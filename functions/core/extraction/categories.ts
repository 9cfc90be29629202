/**
 * Category lists prepared for the byte parser: each name as bytes, matched against a field's
 * bytes without building a string. Also the check that overridden platform/event_type lists
 * still give the feature counts the model expects.
 */
import {
  DEFAULT_CATEGORIES,
  EVENT_TYPE_FEATURE_NAMES,
  PLATFORM_FEATURE_NAMES,
  type Categories,
  type CategoryListName,
} from '#core/schema.ts';

/** One list's names as bytes, grouped by byte length and by first byte for quick filters. */
export interface ByteNames {
  readonly names: readonly string[];
  /** byLength[len] = indices of the names of that byte length (undefined if none). */
  readonly byLength: (Int32Array | undefined)[];
  readonly bytes: readonly Uint8Array[];
  /** Names starting with byte b: order[firstStart[b] .. firstStart[b + 1]). */
  readonly firstStart: Int32Array;
  readonly order: Int32Array;
}

const encoder = new TextEncoder();

function toByteNames(names: readonly string[]): ByteNames {
  const bytes = names.map((n) => encoder.encode(n));
  const byLength: (Int32Array | undefined)[] = [];
  bytes.forEach((b, i) => {
    const prev = byLength[b.length];
    const next = new Int32Array((prev?.length ?? 0) + 1);
    if (prev) next.set(prev);
    next[next.length - 1] = i;
    byLength[b.length] = next;
  });
  // Counting sort by first byte: count, running sum, then place (an empty name has no first byte).
  const firstCount = new Int32Array(256);
  for (const [first] of bytes) if (first !== undefined) firstCount[first]!++;
  const firstStart = new Int32Array(257);
  let sum = 0;
  firstCount.forEach((count, b) => {
    sum += count;
    firstStart[b + 1] = sum;
  });
  const fill = firstStart.slice(0, 256);
  const order = new Int32Array(bytes.length);
  bytes.forEach(([first], i) => {
    if (first !== undefined) order[fill[first]!++] = i;
  });
  return { names, byLength, bytes, firstStart, order };
}

/**
 * Index of the name that buf holds at p, followed by a field end (TAB, LF or CR), or -1.
 * Compares bytes in place while walking the field once; the caller advances by the name's length.
 */
export function matchNameAt(list: ByteNames, buf: Uint8Array, p: number): number {
  // Hot (twice per event line): the indices are in range by construction (p is before the
  // line's LF, a byte indexes the 257-entry firstStart, order holds name indices), so `!`.
  const first = buf[p]!;
  const order = list.order;
  const endAt = list.firstStart[first + 1]!;
  outer: for (let k = list.firstStart[first]!; k < endAt; k++) {
    const idx = order[k]!;
    const name = list.bytes[idx]!;
    const n = name.length;
    for (let i = 1; i < n; i++) if (buf[p + i] !== name[i]) continue outer;
    const after = buf[p + n];
    if (after === 9 || after === 10 || after === 13) return idx;
  }
  return -1;
}

/** Index of the name equal to buf[start, end), or -1. */
export function matchName(list: ByteNames, buf: Uint8Array, start: number, end: number): number {
  const candidates = list.byLength[end - start];
  if (candidates === undefined) return -1;
  outer: for (const idx of candidates) {
    const name = list.bytes[idx]!; // candidates hold indices into bytes
    for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) continue outer;
    return idx;
  }
  return -1;
}

/** Every list, ready for byte matching. */
export type CompiledCategories = Readonly<Record<CategoryListName, ByteNames>> & { readonly source: Categories };

/**
 * Checks the lists and prepares them. Throws (a configuration error, not bad input) when the
 * platform or event_type list does not have as many values as the model has count features.
 */
export function compileCategories(categories: Categories = DEFAULT_CATEGORIES): CompiledCategories {
  checkCategories(categories);
  return Object.freeze({
    source: categories,
    platform: toByteNames(categories.platform),
    event_type: toByteNames(categories.event_type),
    industry: toByteNames(categories.industry),
    region: toByteNames(categories.region),
    social_type: toByteNames(categories.social_type),
  });
}

/** Throws a readable error when an overridden list would change the number of features. */
export function checkCategories(categories: Categories): void {
  const expect: [CategoryListName, number][] = [
    ['platform', PLATFORM_FEATURE_NAMES.length],
    ['event_type', EVENT_TYPE_FEATURE_NAMES.length],
  ];
  for (const [name, count] of expect) {
    const got = categories[name].length;
    if (got !== count) {
      throw new Error(
        `category list ${name}.meta has ${got} values but the model has ${count} ${name} count features ` +
          `(${name === 'platform' ? PLATFORM_FEATURE_NAMES.join(', ') : EVENT_TYPE_FEATURE_NAMES.join(', ')}); ` +
          `a ${name} list may rename or reorder values, not add or remove them`,
      );
    }
  }
  for (const name of Object.keys(categories) as CategoryListName[]) {
    if (categories[name].length === 0) throw new Error(`category list ${name}.meta is empty`);
    if (new Set(categories[name]).size !== categories[name].length)
      throw new Error(`category list ${name}.meta has duplicates`);
  }
}
