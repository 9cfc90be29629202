/**
 * A small, exact random forest (CART, Gini, bootstrap, per-node feature sampling) that the
 * training flow runs with until the forest engine (functions/core/forest/) is wired in by
 * forest-engine.ts. Single-threaded and O(n log n) per node: right for the demo's 1,000
 * users and for tests. Categorical features split as category subsets (categories ranked
 * by their share of class 1 in the node). Trees build in parallel in worker threads
 * (forest-worker.ts); tree t depends only on (data, params, t), so the result is the same.
 * Its model.json holds the trees in the trees.json node shape plus `f` (feature index),
 * `t` (numeric threshold) or `s` (categories going to children[0]), and `gain`.
 */
import { FEATURES, FEATURE_NAMES, featureCategories } from '../schema.ts';
import type { LabelledSet } from './labels.ts';
import type { ForestParams } from './params.ts';

export interface StandInNode {
  id: number;
  samples: number;
  impurity: number;
  classCounts: [number, number];
  probability: number;
  prediction: number;
  condition?: string;
  feature?: string;
  f?: number;
  /** Numeric split: value ≤ t goes to children[0]. */
  t?: number;
  /** Categorical split: the category indices that go to children[0]. */
  s?: number[];
  gain?: number;
  children?: [StandInNode, StandInNode];
}

export interface StandInModel {
  formatVersion: 1;
  engine: 'stand-in';
  features: readonly string[];
  params: ForestParams;
  trees: StandInNode[];
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function subsetSize(strategy: string | number | boolean | undefined, numTrees: number): number {
  const d = FEATURES.length;
  if (typeof strategy === 'number') return Math.max(1, Math.min(d, Math.round(strategy * d)));
  switch (strategy) {
    case 'all': return d;
    case 'onethird': return Math.max(1, Math.round(d / 3));
    case 'log2': return Math.max(1, Math.round(Math.log2(d)));
    case 'sqrt': return Math.max(1, Math.round(Math.sqrt(d)));
    default: return numTrees > 1 ? Math.max(1, Math.round(Math.sqrt(d))) : d; // 'auto', as MLlib
  }
}

const gini = (neg: number, pos: number) => {
  const n = neg + pos;
  return n === 0 ? 0 : 1 - (neg / n) ** 2 - (pos / n) ** 2;
};

function condition(f: number, t: number, left?: number[]): string {
  const spec = FEATURES[f];
  if (left) {
    const names = featureCategories(spec);
    return `${spec.name} ∈ {${left.map((c) => names[c] ?? String(c)).join(', ')}}`;
  }
  return `${spec.name} ≤ ${t}`;
}

/** Parameters this engine cannot train with: not worth a retry (no Retry matches the name). */
export class InvalidTrainingParams extends Error {
  override readonly name = 'InvalidTrainingParams';
}

const STRATEGIES = ['auto', 'all', 'onethird', 'log2', 'sqrt'];

/** Checks the options the stand-in reads; throws InvalidTrainingParams naming the bad one. */
export function checkStandInParams(params: ForestParams): void {
  const whole = (name: string, min: number, max: number) => {
    const v = params[name];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min && (v as number) <= max)) {
      throw new InvalidTrainingParams(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }
  };
  whole('numTrees', 1, 1000);
  whole('maxDepth', 0, 30);
  whole('minInstancesPerNode', 1, 1_000_000);
  whole('seed', -(2 ** 31), 2 ** 31 - 1);
  const strategy = params.featureSubsetStrategy;
  if (strategy !== undefined && !STRATEGIES.includes(String(strategy)) && !(typeof strategy === 'number' && strategy > 0 && strategy <= 1)) {
    throw new InvalidTrainingParams(`featureSubsetStrategy must be one of ${STRATEGIES.join(', ')} or a fraction in (0, 1], got ${JSON.stringify(strategy)}`);
  }
  if (params.bootstrap !== undefined && typeof params.bootstrap !== 'boolean') {
    throw new InvalidTrainingParams(`bootstrap must be true or false, got ${JSON.stringify(params.bootstrap)}`);
  }
}

export function trainStandIn(set: LabelledSet, params: ForestParams): StandInModel {
  checkStandInParams(params);
  const numTrees = Number(params.numTrees ?? 20);
  const trees = Array.from({ length: numTrees }, (_, tree) => trainTree(set, params, tree));
  return standInModel(params, trees);
}

export function standInModel(params: ForestParams, trees: StandInNode[]): StandInModel {
  return { formatVersion: 1, engine: 'stand-in', features: FEATURE_NAMES, params, trees };
}

/** Tree `tree` of the forest: depends only on the data, the params and its index (any thread may build it). */
export function trainTree(set: LabelledSet, params: ForestParams, tree: number): StandInNode {
  const numTrees = Number(params.numTrees ?? 20);
  const maxDepth = Number(params.maxDepth ?? 5);
  const minInstances = Number(params.minInstancesPerNode ?? 1);
  const seed = Number(params.seed ?? 1);
  const k = subsetSize(params.featureSubsetStrategy, numTrees);
  const random = rng(seed * 7919 + tree);
  const rows = params.bootstrap === false ? Array.from({ length: set.rows }, (_, i) => i) : Array.from({ length: set.rows }, () => Math.floor(random() * set.rows));
  let nextId = 0;
  const grow = (idx: number[], depth: number): StandInNode => {
    let pos = 0;
    for (const r of idx) pos += set.labels[r];
    const neg = idx.length - pos;
    const node: StandInNode = {
      id: nextId++,
      samples: idx.length,
      impurity: gini(neg, pos),
      classCounts: [neg, pos],
      probability: idx.length ? pos / idx.length : 0,
      prediction: pos > neg ? 1 : 0,
    };
    if (depth >= maxDepth || pos === 0 || neg === 0 || idx.length < 2 * minInstances) return node;
    const features = Array.from({ length: FEATURES.length }, (_, i) => i);
    for (let i = features.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [features[i], features[j]] = [features[j], features[i]];
    }
    let best: { gain: number; f: number; t: number; left?: number[] } = { gain: 1e-12, f: -1, t: 0 };
    for (const f of features.slice(0, k)) {
      const column = set.columns[f];
      // Categories are ranked by their share of class 1 in this node, then split like
      // numbers on that rank (the optimal subset split for two classes, as MLlib does).
      const rank = FEATURES[f].kind === 'categorical' ? categoryRanks(idx, column, set.labels) : undefined;
      const value = rank ? (r: number) => rank.get(column[r])! : (r: number) => column[r];
      const sorted = [...idx].sort((a, b) => value(a) - value(b));
      let leftPos = 0;
      for (let i = 0; i < sorted.length - 1; i++) {
        leftPos += set.labels[sorted[i]];
        const v = value(sorted[i]), next = value(sorted[i + 1]);
        if (v === next) continue;
        const left = i + 1, right = sorted.length - left;
        if (left < minInstances || right < minInstances) continue;
        const rightPos = pos - leftPos;
        const gain = node.impurity - (left * gini(left - leftPos, leftPos) + right * gini(right - rightPos, rightPos)) / sorted.length;
        if (gain > best.gain) {
          best = rank
            ? { gain, f, t: 0, left: [...rank].filter(([, r]) => r <= v).map(([c]) => c).sort((x, y) => x - y) }
            : { gain, f, t: (v + next) / 2 };
        }
      }
    }
    if (best.f < 0) return node;
    const column = set.columns[best.f];
    const goesLeft = best.left ? (r: number) => best.left!.includes(column[r]) : (r: number) => column[r] <= best.t;
    node.f = best.f;
    if (best.left) node.s = best.left;
    else node.t = best.t;
    node.gain = best.gain * idx.length;
    node.feature = FEATURE_NAMES[best.f];
    node.condition = condition(best.f, best.t, best.left);
    node.children = [grow(idx.filter(goesLeft), depth + 1), grow(idx.filter((r) => !goesLeft(r)), depth + 1)];
    return node;
  };
  return grow(rows, 0);
}

/** Category value → rank by the node's share of class 1 (ties by category index). */
function categoryRanks(idx: number[], column: Float32Array, labels: Uint8Array): Map<number, number> {
  const counts = new Map<number, [number, number]>();
  for (const r of idx) {
    const c = counts.get(column[r]) ?? [0, 0];
    c[0]++;
    c[1] += labels[r];
    counts.set(column[r], c);
  }
  const order = [...counts].sort(([ca, [na, pa]], [cb, [nb, pb]]) => pa / na - pb / nb || ca - cb).map(([c]) => c);
  return new Map(order.map((c, i) => [c, i]));
}

/** The child a row goes to: 0 where the condition holds. */
function branch(node: StandInNode, value: number): 0 | 1 {
  if (node.s) return node.s.includes(value) ? 0 : 1;
  return value <= node.t! ? 0 : 1;
}

export function scoreStandIn(model: StandInModel, set: LabelledSet): Float64Array {
  const out = new Float64Array(set.rows);
  for (let r = 0; r < set.rows; r++) {
    let sum = 0;
    for (const root of model.trees) {
      let node = root;
      while (node.children) node = node.children[branch(node, set.columns[node.f!][r])];
      sum += node.probability;
    }
    out[r] = model.trees.length ? sum / model.trees.length : 0;
  }
  return out;
}

export function countNodes(model: StandInModel): number {
  const count = (n: StandInNode): number => 1 + (n.children ? count(n.children[0]) + count(n.children[1]) : 0);
  return model.trees.reduce((s, t) => s + count(t), 0);
}

/** Gain-based importance, normalised to sum to 1. */
export function importanceStandIn(model: StandInModel): { feature: string; importance: number }[] {
  const totals = new Float64Array(FEATURES.length);
  const walk = (n: StandInNode) => {
    if (!n.children) return;
    totals[n.f!] += n.gain ?? 0;
    walk(n.children[0]);
    walk(n.children[1]);
  };
  model.trees.forEach(walk);
  const sum = totals.reduce((a, b) => a + b, 0);
  return FEATURE_NAMES.map((feature, i) => ({ feature, importance: sum ? totals[i] / sum : 0 })).sort((a, b) => b.importance - a.importance);
}

/** The trees as trees.json nodes: the machine fields dropped. */
export function exportStandInTrees(model: StandInModel): unknown[] {
  const strip = (n: StandInNode): unknown => {
    const { f: _f, t: _t, s: _s, gain: _g, children, ...rest } = n;
    return children ? { ...rest, children: [strip(children[0]), strip(children[1])] } : rest;
  };
  return model.trees.map(strip);
}
