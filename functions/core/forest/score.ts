/**
 * Scoring: probability of retention = mean over trees of the class-1 share in the leaf a
 * row reaches. Batch scoring walks typed column arrays; single records come as named
 * features (`scoreNamed`), checked first by `validateNamedFeatures`.
 *
 * Unknown category in a named record → an error (UnknownCategoryError), never a silent
 * guess: the record is bad data and the prediction flow dead-letters it. In batch scoring
 * a category index the model never saw at a node goes to the node's right branch.
 */
import type { ForestModel } from './model.ts';

interface CompiledForest {
  readonly trees: number;
  readonly roots: Int32Array;
  readonly feature: Int32Array;
  readonly split: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Leaf probability of class 1 (0 on inner nodes). */
  readonly value: Float64Array;
  readonly categorical: Uint8Array;
}

const compiled = new WeakMap<ForestModel, CompiledForest>();

/** All trees in one set of typed arrays, with child indices made absolute. */
function compile(model: ForestModel): CompiledForest {
  const cached = compiled.get(model);
  if (cached) return cached;
  const total = model.trees.reduce((s, t) => s + t.feature.length, 0);
  const out: CompiledForest = {
    trees: model.trees.length,
    roots: new Int32Array(model.trees.length),
    feature: new Int32Array(total),
    split: new Float64Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    value: new Float64Array(total),
    categorical: Uint8Array.from(model.schema.features, (f) => (f.kind === 'categorical' ? 1 : 0)),
  };
  let base = 0;
  model.trees.forEach((tree, t) => {
    out.roots[t] = base;
    for (let i = 0; i < tree.feature.length; i++) {
      const leaf = tree.feature[i] < 0;
      out.feature[base + i] = tree.feature[i];
      out.split[base + i] = tree.split[i];
      out.left[base + i] = leaf ? -1 : base + tree.left[i];
      out.right[base + i] = leaf ? -1 : base + tree.right[i];
      out.value[base + i] = leaf ? tree.count1[i] / (tree.count0[i] + tree.count1[i]) : 0;
    }
    base += tree.feature.length;
  });
  compiled.set(model, out);
  return out;
}

/**
 * Probabilities for `rows` rows of column-major features (schema order; categorical
 * features as category indices). `out` may be passed to avoid an allocation.
 */
export function scoreColumns(model: ForestModel, columns: readonly Float32Array[], rows = columns[0]?.length ?? 0, out = new Float64Array(rows)): Float64Array {
  const c = compile(model);
  if (columns.length !== c.categorical.length) throw new Error(`scoring needs ${c.categorical.length} feature columns, got ${columns.length}`);
  out.fill(0, 0, rows);
  const { feature, split, left, right, value, categorical } = c;
  for (let t = 0; t < c.trees; t++) {
    const root = c.roots[t];
    for (let r = 0; r < rows; r++) {
      let node = root;
      let f = feature[node];
      while (f >= 0) {
        const x = columns[f][r];
        const goesLeft = categorical[f] === 1 ? ((split[node] >>> x) & 1) === 1 : x <= split[node];
        node = goesLeft ? left[node] : right[node];
        f = feature[node];
      }
      out[r] += value[node];
    }
  }
  const inv = 1 / c.trees;
  for (let r = 0; r < rows; r++) out[r] *= inv;
  return out;
}

/** A named record: categorical features by category name, the rest as numbers (gender 0/1). */
export type NamedFeatures = Readonly<Record<string, unknown>>;

export class UnknownCategoryError extends Error {
  override readonly name = 'UnknownCategoryError';
}

/**
 * Why a named record cannot be scored, or undefined when it can: a missing feature, a
 * category the model does not know, or a number that is not finite. Extra fields are ignored.
 */
export function validateNamedFeatures(model: ForestModel, record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'features must be an object of feature name → value';
  const r = record as Record<string, unknown>;
  for (const f of model.schema.features) {
    const v = r[f.name];
    if (v === undefined || v === null) return `missing feature "${f.name}"`;
    if (f.kind === 'categorical') {
      const key = String(v);
      if (!(f.values ?? []).includes(key)) return `unknown ${f.name} "${key}"; the model knows ${(f.values ?? []).join(', ')}`;
    } else if (typeof v !== 'number' || !Number.isFinite(v)) {
      return `feature "${f.name}" must be a finite number, got ${JSON.stringify(v)}`;
    }
  }
  return undefined;
}

/** The record as one value per feature (schema order); throws with validateNamedFeatures' reason. */
export function encodeNamed(model: ForestModel, record: NamedFeatures): Float32Array {
  const reason = validateNamedFeatures(model, record);
  if (reason) throw reason.startsWith('unknown ') ? new UnknownCategoryError(reason) : new Error(reason);
  return Float32Array.from(model.schema.features, (f) =>
    f.kind === 'categorical' ? (f.values ?? []).indexOf(String(record[f.name])) : (record[f.name] as number),
  );
}

/** Probability of retention for one named record, e.g. `{industry: 'BANK', …, gender: 1, age: 34}`. */
export function scoreNamed(model: ForestModel, record: NamedFeatures): number {
  const row = encodeNamed(model, record);
  return scoreColumns(
    model,
    Array.from(row, (v) => Float32Array.of(v)),
    1,
  )[0];
}
