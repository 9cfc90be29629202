/**
 * Site documents shaped like the ones training and prediction publish (docs/formats.md):
 * trees whose class counts add up down every branch, with gini impurity and probability
 * derived from the counts; a model card; trends. Seeded, so a failing test can be re-run.
 * (Used until the forest engine lands; then tests can switch to its exportTrees output.)
 */
import type { CardDocument, TreeNode, TreesDocument, TrendsDocument } from '#dashboard/src/documents.ts';
import { defined } from '#test/support/defined.ts';

export interface ForestFixtureOptions {
  trees?: number;
  maxDepth?: number;
  /** Samples at each root (bootstrap size). */
  samples?: number;
  seed?: number;
  modelVersion?: string;
}

const NUMERIC = [
  'age',
  'pc',
  'iphone',
  'android',
  'ipad',
  'inspect',
  'view_report',
  'share_report',
  'customize_tpl',
  'download_tpl',
];
const CATEGORICAL: Record<string, string[]> = {
  region: ['US-CA', 'US-NY', 'GB-LONDON', 'DE-BERLIN', 'JP-TOKYO'],
  industry: ['BANK', 'RETAIL', 'HEALTH', 'EDUCATION'],
  social_type: ['GOOGLE', 'FACEBOOK', 'WECHAT'],
};

/** mulberry32: small, fast, good enough for fixtures. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gini(counts: [number, number]): number {
  const n = counts[0] + counts[1];
  if (n === 0) return 0;
  const p = counts[1] / n;
  return 1 - p * p - (1 - p) * (1 - p);
}

function makeTree(rand: () => number, samples: number, maxDepth: number): TreeNode {
  let nextId = 0;
  function grow(counts: [number, number], depth: number): TreeNode {
    const n = counts[0] + counts[1];
    const probability = n === 0 ? 0 : counts[1] / n;
    const node: TreeNode = {
      id: nextId++,
      samples: n,
      impurity: Number(gini(counts).toFixed(6)),
      classCounts: counts,
      probability: Number(probability.toFixed(6)),
      prediction: probability >= 0.5 ? 1 : 0,
    };
    const pure = counts[0] === 0 || counts[1] === 0;
    if (depth >= maxDepth || n < 8 || pure || (depth > 1 && rand() < 0.18)) return node;
    // Send each class left with its own share, so splits separate the classes somewhat.
    const leftShare0 = 0.2 + rand() * 0.6;
    const leftShare1 = Math.min(0.95, Math.max(0.05, leftShare0 + (rand() - 0.5) * 0.6));
    const left: [number, number] = [Math.round(counts[0] * leftShare0), Math.round(counts[1] * leftShare1)];
    const right: [number, number] = [counts[0] - left[0], counts[1] - left[1]];
    if (left[0] + left[1] === 0 || right[0] + right[1] === 0) return node;
    if (rand() < 0.7) {
      const feature = NUMERIC[Math.floor(rand() * NUMERIC.length)];
      const threshold = feature === 'age' ? 20 + Math.floor(rand() * 50) + 0.5 : Math.floor(rand() * 6) + 0.5;
      node.feature = feature;
      node.condition = `${feature} ≤ ${threshold}`;
    } else {
      const lists = Object.entries(CATEGORICAL);
      const [feature, list] = defined(lists[Math.floor(rand() * lists.length)], 'a categorical feature');
      const values = list.filter(() => rand() < 0.5);
      node.feature = feature;
      node.condition = `${feature} ∈ {${(values.length > 0 ? values : list.slice(0, 1)).join(', ')}}`;
    }
    node.children = [grow(left, depth + 1), grow(right, depth + 1)];
    return node;
  }
  const retained = Math.round(samples * (0.55 + rand() * 0.2));
  return grow([samples - retained, retained], 0);
}

export function makeTreesDocument(options: ForestFixtureOptions = {}): TreesDocument {
  const rand = random(options.seed ?? 7);
  const trees = Array.from({ length: options.trees ?? 5 }, () =>
    makeTree(rand, options.samples ?? 700, options.maxDepth ?? 6),
  );
  return { formatVersion: 1, modelVersion: options.modelVersion ?? 'v2017-W21-fixture', trees };
}

export function makeCardDocument(options: { seed?: number; modelVersion?: string; auc?: number } = {}): CardDocument {
  const rand = random(options.seed ?? 11);
  const auc = options.auc ?? 0.8137;
  // A concave ROC curve whose area is close to auc (exact area is not needed for drawing).
  const bend = auc / (1 - auc);
  const roc: [number, number][] = Array.from({ length: 21 }, (_, i) => {
    const fpr = i / 20;
    return [fpr, Number((1 - (1 - fpr) ** bend).toFixed(4))];
  });
  const features = [...NUMERIC, ...Object.keys(CATEGORICAL), 'gender', 'other', 'share_tpl', 'cancel_inspection'];
  const raw = features.map(() => rand() ** 2);
  const total = raw.reduce((a, b) => a + b, 0);
  return {
    formatVersion: 1,
    modelVersion: options.modelVersion ?? 'v2017-W21-fixture',
    trainedAt: '2026-11-29T02:00:00.000Z',
    trainWeek: '2017-W20',
    labelWeek: '2017-W21',
    sources: {
      raw: ['raw/events/user_events_week1.log', 'raw/events/user_events_week2.log', 'raw/crm/crm_info.data'],
      manifests: ['extracted/week=2017-W20/part=user_events_week1/manifest.json'],
    },
    params: { trees: 50, maxDepth: 8, minSamplesLeaf: 5, maxFeatures: 'sqrt', seed: 42 },
    metrics: {
      auc,
      errorRate: 0.1843,
      baselineErrorRate: 0.3121,
      precision: 0.8312,
      recall: 0.8874,
      f1: 0.8584,
      logLoss: 0.4102,
      confusion: { tp: 412, fp: 84, tn: 140, fn: 52 },
      roc,
      calibration: {
        meanPredicted: 0.674,
        actualShare: 0.67,
        bins: [
          { from: 0.1, to: 0.2, count: 40, meanPredicted: 0.16, actualShare: 0.2 },
          { from: 0.4, to: 0.5, count: 150, meanPredicted: 0.45, actualShare: 0.41 },
          { from: 0.8, to: 0.9, count: 498, meanPredicted: 0.83, actualShare: 0.85 },
        ],
      },
    },
    featureImportance: features.map((feature, i) => ({ feature, importance: (raw[i] ?? 0) / total })),
    dataStats: { trainUsers: 2750, testUsers: 688, retainedShare: 0.688 },
    candidates: [
      { id: 'c0', params: { trees: 30, maxDepth: 6 }, auc: auc - 0.021, errorRate: 0.2011, nodes: 1460 },
      { id: 'c1', params: { trees: 50, maxDepth: 8 }, auc, errorRate: 0.1843, nodes: 4212 },
    ],
    gate: { decision: 'promote', reason: 'AUC above the floor and no current model', floor: 0.6, margin: 0.005 },
  };
}

export function makeTrendsDocument(rounds: number, seed = 3): TrendsDocument {
  const rand = random(seed);
  return {
    formatVersion: 1,
    updatedAt: '2026-11-29T02:30:00.000Z',
    rounds: Array.from({ length: rounds }, (_, round) => {
      const scored = 800 + Math.floor(rand() * 200);
      const retained = Math.floor(scored * (0.6 + rand() * 0.15));
      // The count above 0.5 overstates retention: the sum of the probabilities is lower.
      return { round, scored, retained, expectedRetained: Math.round(retained * (0.82 + rand() * 0.08) * 1000) / 1000 };
    }),
  };
}
