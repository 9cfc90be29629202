/**
 * The product's vocabulary: the category lists and the 17 weekly features, in the order the
 * model, the tree names and every file format use (see docs/formats.md).
 * Pure data and small helpers: no I/O, no AWS.
 */

/** The names of the five category lists, as the `.meta` files are named. */
export const CATEGORY_LISTS = ['platform', 'event_type', 'industry', 'region', 'social_type'] as const;
export type CategoryListName = (typeof CATEGORY_LISTS)[number];

/** One category list per name; a value's index in its list is its category index. */
export type Categories = Readonly<Record<CategoryListName, readonly string[]>>;

/** The original demo's lists, in index order (original-system.md). */
export const DEFAULT_CATEGORIES: Categories = Object.freeze({
  platform: ['IPHONE', 'ANDROID', 'PC', 'IPAD', 'OTHER'],
  event_type: [
    'CUSTOMIZE_TPL',
    'DOWNLOAD_TPL',
    'SHARE_TPL',
    'INSPECT',
    'VIEW_REPORT',
    'SHARE_REPORT',
    'CANCEL_INSPECTION',
  ],
  industry: ['CONSTRUCTION', 'AIRPLANE', 'BANK', 'INTERNET', 'HEALTH', 'INSURANCE'],
  region: ['AU-NSW', 'AU-WA', 'AU-TAS', 'US-CA', 'US-WA', 'CN-BJ', 'CN-SH', 'GB-LONDON'],
  social_type: ['TWITTER', 'FACEBOOK', 'GOOGLE'],
});

/** Gender as stored in the profile table: 0 male, 1 female. */
export const GENDERS = ['0', '1'] as const;
export const AGE_MIN = 20;
export const AGE_MAX = 70;

export type FeatureKind = 'categorical' | 'continuous';

export interface FeatureSpec {
  /** Column name in features.tsv, in the model and in tree conditions. */
  readonly name: string;
  readonly kind: FeatureKind;
  /** For categorical features: the category list it takes its values from. */
  readonly categories?: CategoryListName | 'gender';
}

const PLATFORM_FEATURES = ['iphone', 'android', 'pc', 'ipad', 'other'] as const;
const EVENT_TYPE_FEATURES = [
  'customize_tpl',
  'download_tpl',
  'share_tpl',
  'inspect',
  'view_report',
  'share_report',
  'cancel_inspection',
] as const;

/** Feature names for the platform counts, in `platform` list order. */
export const PLATFORM_FEATURE_NAMES: readonly string[] = PLATFORM_FEATURES;
/** Feature names for the event-type counts, in `event_type` list order. */
export const EVENT_TYPE_FEATURE_NAMES: readonly string[] = EVENT_TYPE_FEATURES;

/** The 17 features, index 0..16, as original-system.md orders them. */
export const FEATURES: readonly FeatureSpec[] = Object.freeze([
  { name: 'industry', kind: 'categorical', categories: 'industry' },
  { name: 'region', kind: 'categorical', categories: 'region' },
  { name: 'social_type', kind: 'categorical', categories: 'social_type' },
  ...PLATFORM_FEATURES.map((name) => ({ name, kind: 'continuous' as const })),
  ...EVENT_TYPE_FEATURES.map((name) => ({ name, kind: 'continuous' as const })),
  { name: 'gender', kind: 'categorical', categories: 'gender' },
  { name: 'age', kind: 'continuous' },
]);

export const FEATURE_NAMES: readonly string[] = FEATURES.map((f) => f.name);

/** Index of a feature by name; throws on an unknown name (a programming error, not bad input). */
export function featureIndex(name: string): number {
  const i = FEATURE_NAMES.indexOf(name);
  if (i < 0) throw new Error(`unknown feature "${name}"; known: ${FEATURE_NAMES.join(', ')}`);
  return i;
}

/** The category values of a categorical feature, under the given lists. */
export function featureCategories(spec: FeatureSpec, categories: Categories = DEFAULT_CATEGORIES): readonly string[] {
  if (spec.kind !== 'categorical' || !spec.categories) return [];
  return spec.categories === 'gender' ? GENDERS : categories[spec.categories];
}

/** The name of category `index` in one list; throws when the list has no such index (the index was not checked). */
export function categoryName(categories: Categories, list: CategoryListName, index: number): string {
  const name = categories[list][index];
  if (name === undefined)
    throw new RangeError(`${index} is not a category index of ${list} (0..${categories[list].length - 1})`);
  return name;
}

/**
 * Reads a category list file's text (one value a line, line number = index). Blank lines
 * and surrounding white space (CRLF included) are ignored; duplicates are an error because
 * they would make two indices mean one name.
 */
export function parseCategoryList(name: CategoryListName, text: string): string[] {
  const values = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (values.length === 0) throw new Error(`category list ${name}.meta is empty`);
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw new Error(`category list ${name}.meta lists "${v}" twice`);
    seen.add(v);
  }
  return values;
}

/** Default lists with any given lists replacing their defaults. */
export function withCategoryOverrides(overrides: Partial<Record<CategoryListName, readonly string[]>>): Categories {
  return Object.freeze({ ...DEFAULT_CATEGORIES, ...overrides });
}
