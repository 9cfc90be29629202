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
} from '../schema.ts';

/** One list's names as bytes, grouped by byte length for a quick first filter. */
export interface ByteNames {
  readonly names: readonly string[];
  /** byLength[len] = indices of the names of that byte length (undefined if none). */
  readonly byLength: (Int32Array | undefined)[];
  readonly bytes: readonly Uint8Array[];
}

const encoder = new TextEncoder();

export function toByteNames(names: readonly string[]): ByteNames {
  const bytes = names.map((n) => encoder.encode(n));
  const byLength: (Int32Array | undefined)[] = [];
  bytes.forEach((b, i) => {
    const prev = byLength[b.length];
    const next = new Int32Array((prev?.length ?? 0) + 1);
    if (prev) next.set(prev);
    next[next.length - 1] = i;
    byLength[b.length] = next;
  });
  return { names, byLength, bytes };
}

/** Index of the name equal to buf[start, end), or -1. */
export function matchName(list: ByteNames, buf: Uint8Array, start: number, end: number): number {
  const candidates = list.byLength[end - start];
  if (candidates === undefined) return -1;
  outer: for (let c = 0; c < candidates.length; c++) {
    const idx = candidates[c];
    const name = list.bytes[idx];
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
    if (new Set(categories[name]).size !== categories[name].length) throw new Error(`category list ${name}.meta has duplicates`);
  }
}
