/**
 * A small, exact random forest (CART, Gini, bootstrap, per-node feature sampling) that the
 * training flow runs with until the forest engine (functions/core/forest/) is wired in by
 * forest-engine.ts. Single-threaded and O(n log n) per node: right for the demo's 1,000
 * users and for tests, not for 1M users. Categorical features split on their category
 * index (a prefix of the list); the condition still reads as a category set.
 * Its model.json holds the trees in the trees.json node shape plus `f` (feature index)
 * and `t` (threshold: value ≤ t goes to children[0]).
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
  t?: number;
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

function condition(f: number, t: number): string {
  const spec = FEATURES[f];
  if (spec.kind === 'categorical') {
    const values = featureCategories(spec).filter((_, i) => i <= t);
    return `${spec.name} ∈ {${values.join(', ')}}`;
  }
  return `${spec.name} ≤ ${t}`;
}

export function trainStandIn(set: LabelledSet, params: ForestParams): StandInModel {
  const numTrees = Number(params.numTrees ?? 20);
  const maxDepth = Number(params.maxDepth ?? 5);
  const minInstances = Number(params.minInstancesPerNode ?? 1);
  const seed = Number(params.seed ?? 1);
  const k = subsetSize(params.featureSubsetStrategy, numTrees);
  const trees: StandInNode[] = [];
  for (let tree = 0; tree < numTrees; tree++) {
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
      let best = { gain: 1e-12, f: -1, t: 0 };
      for (const f of features.slice(0, k)) {
        const column = set.columns[f];
        const sorted = [...idx].sort((a, b) => column[a] - column[b]);
        let leftPos = 0;
        for (let i = 0; i < sorted.length - 1; i++) {
          leftPos += set.labels[sorted[i]];
          const v = column[sorted[i]], next = column[sorted[i + 1]];
          if (v === next) continue;
          const left = i + 1, right = sorted.length - left;
          if (left < minInstances || right < minInstances) continue;
          const rightPos = pos - leftPos;
          const gain = node.impurity - (left * gini(left - leftPos, leftPos) + right * gini(right - rightPos, rightPos)) / sorted.length;
          if (gain > best.gain) best = { gain, f, t: FEATURES[f].kind === 'categorical' ? v : (v + next) / 2 };
        }
      }
      if (best.f < 0) return node;
      const column = set.columns[best.f];
      const yes = idx.filter((r) => column[r] <= best.t);
      const no = idx.filter((r) => column[r] > best.t);
      node.f = best.f;
      node.t = best.t;
      node.gain = best.gain * idx.length;
      node.feature = FEATURE_NAMES[best.f];
      node.condition = condition(best.f, best.t);
      node.children = [grow(yes, depth + 1), grow(no, depth + 1)];
      return node;
    };
    trees.push(grow(rows, 0));
  }
  return { formatVersion: 1, engine: 'stand-in', features: FEATURE_NAMES, params, trees };
}

export function scoreStandIn(model: StandInModel, set: LabelledSet): Float64Array {
  const out = new Float64Array(set.rows);
  for (let r = 0; r < set.rows; r++) {
    let sum = 0;
    for (const root of model.trees) {
      let node = root;
      while (node.children) node = set.columns[node.f!][r] <= node.t! ? node.children[0] : node.children[1];
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
    const { f: _f, t: _t, gain: _g, children, ...rest } = n;
    return children ? { ...rest, children: [strip(children[0]), strip(children[1])] } : rest;
  };
  return model.trees.map(strip);
}
