/**
 * model.json: versioned, compact JSON. The trees are flat arrays (tree.ts FlatTree); the
 * feature schema (names, kinds, category lists) travels with the model so a scorer can
 * check named records and a person can read the conditions. `loadModel` validates all of it.
 *
 * ```
 * { "formatVersion": 1, "engine": "histogram",
 *   "schema": { "features": [ { "name": "industry", "kind": "categorical", "values": ["CONSTRUCTION", …] }, { "name": "iphone", "kind": "continuous" }, … ] },
 *   "params": { "numTrees": 20, "maxDepth": 10, … },
 *   "training": { "rows": 700, "retained": 490, "notRetained": 210, "features": [ { "name": "age", "min": 20, "max": 70, "mean": 44.9 }, { "name": "industry", "counts": [..] } ] },
 *   "trees": [ { "feature": [..], "split": [..], "left": [..], "right": [..], "count0": [..], "count1": [..], "gain": [..] } ] }
 * ```
 */
import { DEFAULT_CATEGORIES, FEATURES, featureCategories, type Categories } from '#core/schema.ts';
import type { FeatureInfo } from './binning.ts';
import type { ForestOptions } from './params.ts';
import { nodeOf, type FlatTree } from './tree.ts';

export const MODEL_FORMAT_VERSION = 1;

export interface FeatureStats {
  readonly name: string;
  /** Continuous features. */
  readonly min?: number;
  readonly max?: number;
  readonly mean?: number;
  /** Categorical features: rows per category, in the schema's value order. */
  readonly counts?: number[];
}

export interface TrainingStats {
  readonly rows: number;
  readonly retained: number;
  readonly notRetained: number;
  readonly features: FeatureStats[];
}

export interface ForestModel {
  readonly formatVersion: typeof MODEL_FORMAT_VERSION;
  readonly engine: ForestOptions['engine'];
  readonly schema: { readonly features: FeatureInfo[] };
  readonly params: ForestOptions;
  readonly training: TrainingStats;
  readonly trees: FlatTree[];
}

/** The product's feature schema (schema.ts) with the given category lists. */
export function productSchema(categories: Categories = DEFAULT_CATEGORIES): FeatureInfo[] {
  return FEATURES.map((spec) =>
    spec.kind === 'categorical'
      ? { name: spec.name, kind: spec.kind, values: [...featureCategories(spec, categories)] }
      : { name: spec.name, kind: spec.kind },
  );
}

/** Feature `index` of the model's schema; throws when the schema has no such feature. */
export function schemaFeature(model: Pick<ForestModel, 'schema'>, index: number): FeatureInfo {
  const feature = model.schema.features[index];
  if (feature === undefined)
    throw new RangeError(
      `feature index ${index} is not in the model's schema (${model.schema.features.length} features)`,
    );
  return feature;
}

export function serializeModel(model: ForestModel): string {
  return JSON.stringify(model);
}

/** A model.json that cannot be used; the message says what is wrong and where. */
export class InvalidModelError extends Error {
  override readonly name = 'InvalidModelError';
}

const TREE_ARRAYS = ['feature', 'split', 'left', 'right', 'count0', 'count1', 'gain'] as const;

/**
 * Parses and validates model.json (text or parsed). Throws InvalidModelError on a wrong
 * formatVersion, a schema other than this code's 17 features (names and kinds, in order),
 * or corrupt tree arrays (lengths, child links, feature indices, counts).
 */
export function loadModel(input: string | unknown): ForestModel {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (error) {
      throw new InvalidModelError(`model.json is not JSON: ${(error as Error).message}`);
    }
  }
  const fail = (message: string): never => {
    throw new InvalidModelError(`model.json: ${message}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('not an object');
  const m = raw as Record<string, unknown>;
  if (m.formatVersion !== MODEL_FORMAT_VERSION)
    fail(`formatVersion ${JSON.stringify(m.formatVersion)}; this code reads formatVersion ${MODEL_FORMAT_VERSION}`);
  if (m.engine !== 'histogram' && m.engine !== 'ml-random-forest') fail(`unknown engine ${JSON.stringify(m.engine)}`);
  const schema = m.schema as { features?: unknown } | undefined;
  if (!schema || !Array.isArray(schema.features)) return fail('schema.features is missing');
  const features = schema.features as FeatureInfo[];
  const expected = FEATURES.map((f) => `${f.name}:${f.kind}`).join(', ');
  const got = features.map((f) => `${f?.name}:${f?.kind}`).join(', ');
  if (got !== expected) fail(`schema does not match this code's features.\n  model: ${got}\n  code:  ${expected}`);
  for (const f of features) {
    if (f.kind !== 'categorical') continue;
    if (
      !Array.isArray(f.values) ||
      f.values.length === 0 ||
      f.values.length > 32 ||
      !f.values.every((v) => typeof v === 'string')
    ) {
      fail(`schema feature ${f.name} needs 1..32 category names in "values"`);
    }
  }
  if (typeof m.params !== 'object' || m.params === null) fail('params are missing');
  if (typeof m.training !== 'object' || m.training === null) fail('training statistics are missing');
  if (!Array.isArray(m.trees) || m.trees.length === 0) return fail('trees are missing or empty');
  (m.trees as unknown[]).forEach((t, i) => checkTree(t, i, features, fail));
  return raw as ForestModel;
}

function checkTree(raw: unknown, index: number, features: FeatureInfo[], fail: (message: string) => never): void {
  const where = `tree ${index}`;
  if (typeof raw !== 'object' || raw === null) fail(`${where} is not an object`);
  const t = raw as Record<string, unknown>;
  for (const name of TREE_ARRAYS) {
    const a = t[name];
    if (!Array.isArray(a) || !a.every((v) => typeof v === 'number' && Number.isFinite(v)))
      fail(`${where}: "${name}" must be an array of finite numbers`);
  }
  const tree = t as unknown as FlatTree;
  const n = tree.feature.length;
  if (n === 0) fail(`${where} has no nodes`);
  for (const name of TREE_ARRAYS) {
    if (tree[name].length !== n) fail(`${where}: "${name}" has ${tree[name].length} entries, "feature" has ${n}`);
  }
  const parents = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const { feature: f, split: s, left, right, count0: c0, count1: c1 } = nodeOf(tree, i);
    if (c0 < 0 || c1 < 0 || c0 + c1 <= 0) fail(`${where} node ${i}: class counts must be ≥ 0 with a positive total`);
    if (f === -1) {
      if (left !== -1 || right !== -1) fail(`${where} node ${i}: a leaf (feature -1) must have children -1`);
      continue;
    }
    const spec = features[f];
    if (!Number.isInteger(f) || spec === undefined)
      return fail(`${where} node ${i}: feature ${f} is not a feature index`);
    for (const child of [left, right]) {
      if (!Number.isInteger(child) || child <= i || child >= n)
        fail(`${where} node ${i}: child ${child} must be a later node index below ${n}`);
      parents[child]!++; // child < n, checked above
    }
    if (spec.kind === 'categorical') {
      if (!Number.isInteger(s) || s < 0 || s >= 2 ** (spec.values?.length ?? 0))
        fail(`${where} node ${i}: category mask ${s} is out of range for ${spec.name}`);
    }
  }
  parents.forEach((count, i) => {
    if (i > 0 && count !== 1) fail(`${where} node ${i} is reached from ${count} parents (expected 1)`);
  });
}
