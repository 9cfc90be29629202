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
import { BLOCK, fillBins, quantize, type QuantizedForest } from './quantized.ts';
import { walkerOf } from './walk-wasm.ts';
import { nodeOf } from './tree.ts';

interface CompiledForest {
  readonly trees: number;
  readonly roots: Int32Array;
  readonly feature: Int32Array;
  readonly split: Float64Array;
  /** Left child; the right child is the next node (children are stored side by side). */
  readonly child: Int32Array;
  /** 1 continuous (x ≤ split goes left), 2 categorical (mask bit x set goes left). A leaf is a continuous node with split +∞ whose child is itself: walking on stays put. */
  readonly kind: Uint8Array;
  /** Per node in one word: child << 6 | categorical << 5 | feature (one load decides where to read and go). */
  readonly meta: Int32Array;
  /** Levels of each tree: the walk takes exactly this many steps. */
  readonly depth: Int32Array;
  /** Leaf probability of class 1 (0 on inner nodes). */
  readonly value: Float64Array;
}

const compiled = new WeakMap<ForestModel, CompiledForest>();

/**
 * All trees in one set of typed arrays, each tree renumbered breadth first so that a node's
 * children sit side by side: the walk computes the next node as `child + (goes right)`
 * instead of choosing between two loads.
 */
function compile(model: ForestModel): CompiledForest {
  const cached = compiled.get(model);
  if (cached) return cached;
  const total = model.trees.reduce((s, t) => s + t.feature.length, 0);
  const categorical = model.schema.features.map((f) => f.kind === 'categorical');
  const out: CompiledForest = {
    trees: model.trees.length,
    roots: new Int32Array(model.trees.length),
    feature: new Int32Array(total),
    split: new Float64Array(total),
    child: new Int32Array(total),
    kind: new Uint8Array(total),
    value: new Float64Array(total),
    depth: new Int32Array(model.trees.length),
    meta: new Int32Array(total),
  };
  let base = 0;
  model.trees.forEach((tree, t) => {
    out.roots[t] = base;
    // Breadth-first order: the i-th entry of the queue becomes new node base + i.
    const queue = [{ old: 0, level: 0 }];
    let depth = 0;
    let i = 0;
    for (const { old, level } of queue) {
      const at = base + i++;
      const node = nodeOf(tree, old);
      depth = Math.max(depth, level);
      if (node.feature < 0) {
        out.value[at] = node.count1 / (node.count0 + node.count1);
        out.kind[at] = 1;
        out.split[at] = Infinity;
        out.child[at] = at;
        out.meta[at] = at << 6;
        continue;
      }
      out.feature[at] = node.feature;
      out.split[at] = node.split;
      out.kind[at] = categorical[node.feature] ? 2 : 1;
      const child = base + queue.length;
      out.child[at] = child;
      out.meta[at] = (child << 6) | ((categorical[node.feature] ? 1 : 0) << 5) | node.feature;
      queue.push({ old: node.left, level: level + 1 }, { old: node.right, level: level + 1 });
    }
    out.depth[t] = depth;
    base += tree.feature.length;
  });
  compiled.set(model, out);
  return out;
}

/**
 * Probabilities for `rows` rows of column-major features (schema order; categorical
 * features as category indices). `out` may be passed to avoid an allocation.
 */
export function scoreColumns(
  model: ForestModel,
  columns: readonly Float32Array[],
  rows = columns[0]?.length ?? 0,
  out = new Float64Array(rows),
): Float64Array {
  if (columns.length !== model.schema.features.length)
    throw new Error(`scoring needs ${model.schema.features.length} feature columns, got ${columns.length}`);
  const q = quantize(model);
  return q ? scoreQuantized(q, columns, rows, out) : scoreByThresholds(model, columns, rows, out);
}

function scoreQuantized(q: QuantizedForest, columns: readonly Float32Array[], rows: number, out: Float64Array) {
  const walker = walkerOf(q);
  const { bins, sums } = walker;
  const inv = 1 / q.trees;
  for (let start = 0; start < rows; start += BLOCK) {
    const n = Math.min(BLOCK, rows - start);
    fillBins(q, columns, start, n, bins);
    sums.fill(0);
    walker.score(n);
    for (let i = 0; i < n; i++) out[start + i] = sums[i]! * inv;
  }
  return out;
}

/**
 * The walk on float thresholds, for models the quantized scorer cannot take (a feature with
 * more than 31 thresholds or categories): about half its speed.
 */
export function scoreByThresholds(
  model: ForestModel,
  columns: readonly Float32Array[],
  rows: number,
  out = new Float64Array(rows),
): Float64Array {
  const c = compile(model);
  out.fill(0, 0, rows);
  const { split, value, depth } = c;
  const meta = c.meta;
  // Rows walk a tree in blocks, one level at a time: the rows of a block are independent,
  // so the processor overlaps their walks instead of waiting on each branch.
  const at = new Int32Array(BLOCK);
  const d = columns.length;
  // The block's values in one array (feature-major): the walk reads block[f * BLOCK + i].
  const block = new Float32Array(d * BLOCK);
  for (let start = 0; start < rows; start += BLOCK) {
    const n = Math.min(BLOCK, rows - start);
    for (let f = 0; f < d; f++) {
      const column = columns[f]!;
      const o = f * BLOCK;
      for (let i = 0; i < n; i++) block[o + i] = column[start + i]!;
    }
    for (let t = 0; t < c.trees; t++) {
      at.fill(c.roots[t]!, 0, n);
      for (let level = depth[t]!; level > 0; level--) {
        for (let i = 0; i < n; i++) {
          const node = at[i]!;
          const m = meta[node]!;
          const x = block[(m & 31) * BLOCK + i]!;
          const s = split[node]!;
          // Branch-free: the direction is data, so a branch would be mispredicted half the time.
          const cont = +(x > s);
          const right = cont + ((m >>> 5) & 1) * (1 - ((s >>> x) & 1) - cont);
          at[i] = (m >>> 6) + right;
        }
      }
      for (let i = 0; i < n; i++) out[start + i]! += value[at[i]!]!;
    }
  }
  const inv = 1 / c.trees;
  for (let r = 0; r < rows; r++) out[r]! *= inv;
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
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    return 'features must be an object of feature name → value';
  const r = record as Record<string, unknown>;
  for (const f of model.schema.features) {
    const v = r[f.name];
    if (v === undefined || v === null) return `missing feature "${f.name}"`;
    if (f.kind === 'categorical') {
      const key = String(v);
      if (!(f.values ?? []).includes(key))
        return `unknown ${f.name} "${key}"; the model knows ${(f.values ?? []).join(', ')}`;
    } else if (typeof v !== 'number' || !Number.isFinite(v)) {
      return `feature "${f.name}" must be a finite number, got ${JSON.stringify(v)}`;
    }
  }
  return undefined;
}

/** The record as one value per feature (schema order); throws with validateNamedFeatures' reason. */
function encodeNamed(model: ForestModel, record: NamedFeatures): Float32Array {
  const reason = validateNamedFeatures(model, record);
  if (reason) throw reason.startsWith('unknown ') ? new UnknownCategoryError(reason) : new Error(reason);
  return Float32Array.from(model.schema.features, (f) =>
    f.kind === 'categorical' ? (f.values ?? []).indexOf(String(record[f.name])) : (record[f.name] as number),
  );
}

/** Probability of retention for one named record, e.g. `{industry: 'BANK', …, gender: 1, age: 34}`. */
export function scoreNamed(model: ForestModel, record: NamedFeatures): number {
  const row = encodeNamed(model, record);
  const [probability] = scoreColumns(
    model,
    Array.from(row, (v) => Float32Array.of(v)),
    1,
  );
  if (probability === undefined) throw new Error('scoring one record gave no probability');
  return probability;
}
