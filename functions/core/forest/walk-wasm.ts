/**
 * The quantized walk (quantized.ts) as one WebAssembly function per model, written with the
 * small encoder in wasm-encoder.ts. `score(n)` walks every tree for the block's first n rows
 * and adds each leaf's value to the row's sum; in the text format it reads:
 *
 *   for (t = 0; t < trees; t++) {
 *     root = trees[t].root                          ;; its words read once per tree
 *     for (i = 0; i < n; i += 8) {                  ;; 8 rows at once, their nodes in locals
 *       node0..node7 = the root's step for each row
 *       for (level = levels below the first; level; level--)  ;; each row: one step, as below
 *         m = nodes[node].meta
 *         node = (m >>> 6) + 8 × ((nodes[node].right >>> bins[(m & 63) × 256 + i + k]) & 1)
 *       sums[i + k] += values[node]  (k = 0..7)
 *   } }
 *
 * Why WebAssembly: the loop is three loads and a few integer operations per step, and a
 * JavaScript typed-array access adds a bounds check to each; WebAssembly memory is guarded
 * by page protection instead, and 8 rows' nodes stay in registers where JavaScript spills
 * them. Measured (bench/scoring.ts beside bench/_typescript-walk.ts, the forest README):
 * 1.4–1.9× the best TypeScript walk per CPU-second at 1M rows, 1.5–2.0× at 100k.
 * The model's layout (offsets, tree count) is written into the code as constants.
 */
import { BLOCK, type QuantizedForest } from './quantized.ts';
import { encodeModule, f64, forUp, i32, local, whileLoop, type Code } from './wasm-encoder.ts';

/** Rows walked together, each with its node in a local. */
const LANES = 8;
const NODE_BYTES = 8;
const TREE_BYTES = 8;

/** Byte offsets of the parts of the walker's memory. */
interface Layout {
  /** The block's bins, feature-major, BLOCK per feature and a last all-zero column for leaves. */
  readonly bins: number;
  /** Per node: meta (left child's byte offset << 6 | feature), then the bins going right. */
  readonly nodes: number;
  /** Per node (at its node byte offset): its class-1 share, a leaf's being the tree's answer. */
  readonly values: number;
  /** Per node: its value minus its parent's, what the parent's split adds on the way to it. */
  readonly deltas: number;
  /** Per row of the block: the sum of its leaves' values. */
  readonly sums: number;
  /** Per feature then row of the block (and the leaves' spare column): the sum of its splits' deltas. */
  readonly credits: number;
  /** Per tree: its root's byte offset, then its levels below the first. */
  readonly trees: number;
  readonly bytes: number;
}

function layoutOf(q: QuantizedForest): Layout {
  const bins = 0;
  const nodes = align8(bins + (q.features + 1) * BLOCK);
  const values = nodes + NODE_BYTES * q.meta.length;
  const deltas = values + 8 * q.meta.length;
  const sums = deltas + 8 * q.meta.length;
  const credits = sums + 8 * BLOCK;
  const trees = credits + 8 * (q.features + 1) * BLOCK;
  return { bins, nodes, values, deltas, sums, credits, trees, bytes: trees + TREE_BYTES * q.trees };
}

const align8 = (n: number) => (n + 7) & ~7;

// Locals: the parameter n, the loop counters, the node being read, the tree's root (meta,
// bins going right, its feature's bin column), then one node per lane.
const [N, T, I, LEVEL, M, ROOT_META, ROOT_RIGHT, ROOT_BINS] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
const lane = (k: number) => 8 + k;
/** Locals after the parameter: the counters and the lanes. */
const LOCALS = lane(LANES) - 1;
const LANE_INDICES = Array.from({ length: LANES }, (_, k) => k);

/**
 * One step of row i + k: its node (a byte offset) becomes the child its bin picks. With
 * `credit`, the child's delta is added to the row's credit for the split's feature.
 */
function step(at: Layout, k: number, credit: boolean): Code[] {
  const node = local.get(lane(k));
  const m = local.get(M);
  const feature = i32.and(m, i32.const(63));
  const bin = i32.load8U(i32.add(i32.shl(feature, i32.const(8)), local.get(I)), at.bins + k);
  const right = i32.and(i32.shrU(i32.load(node, at.nodes + 4), bin), i32.const(1));
  const moved = [
    local.set(M, i32.load(node, at.nodes)),
    local.set(lane(k), i32.add(i32.shrU(m, i32.const(6)), i32.shl(right, i32.const(3)))),
  ];
  if (!credit) return moved;
  // credits[feature][i + k], 8 bytes a row and BLOCK rows a feature.
  const slot = i32.add(i32.shl(feature, i32.const(11)), i32.shl(local.get(I), i32.const(3)));
  const offset = at.credits + 8 * k;
  return [...moved, f64.store(slot, f64.add(f64.load(slot, offset), f64.load(node, at.deltas)), offset)];
}

/**
 * The first step of row i + k, from the root: every row starts there, so the root's words are
 * read once per tree, not once per row.
 */
function firstStep(at: Layout, k: number, credit: boolean): Code[] {
  const bin = i32.load8U(i32.add(local.get(ROOT_BINS), local.get(I)), at.bins + k);
  const right = i32.and(i32.shrU(local.get(ROOT_RIGHT), bin), i32.const(1));
  const moved = [
    local.set(lane(k), i32.add(i32.shrU(local.get(ROOT_META), i32.const(6)), i32.shl(right, i32.const(3)))),
  ];
  if (!credit) return moved;
  const slot = i32.add(i32.shl(local.get(ROOT_BINS), i32.const(3)), i32.shl(local.get(I), i32.const(3)));
  const offset = at.credits + 8 * k;
  return [...moved, f64.store(slot, f64.add(f64.load(slot, offset), f64.load(local.get(lane(k)), at.deltas)), offset)];
}

function walkBody(q: QuantizedForest, at: Layout, credit: boolean): Code[] {
  const tree = i32.shl(local.get(T), i32.const(3));
  const row = i32.shl(local.get(I), i32.const(3));
  const addLeaf = (k: number) =>
    f64.store(row, f64.add(f64.load(row, at.sums + 8 * k), f64.load(local.get(lane(k)), at.values)), at.sums + 8 * k);
  return [
    forUp(
      T,
      i32.const(0),
      i32.const(q.trees),
      1,
      local.set(ROOT_META, i32.load(i32.load(tree, at.trees), at.nodes)),
      local.set(ROOT_RIGHT, i32.load(i32.load(tree, at.trees), at.nodes + 4)),
      local.set(ROOT_BINS, i32.shl(i32.and(local.get(ROOT_META), i32.const(63)), i32.const(8))),
      forUp(
        I,
        i32.const(0),
        local.get(N),
        LANES,
        ...LANE_INDICES.flatMap((k) => firstStep(at, k, credit)),
        local.set(LEVEL, i32.load(tree, at.trees + 4)),
        whileLoop(
          local.get(LEVEL),
          ...LANE_INDICES.flatMap((k) => step(at, k, credit)),
          local.set(LEVEL, i32.sub(local.get(LEVEL), i32.const(1))),
        ),
        ...LANE_INDICES.map(addLeaf),
      ),
    ),
  ];
}

export interface Walker {
  /** The block's bins (fillBins writes them). */
  readonly bins: Uint8Array;
  /** Per row of the block: its leaves' values summed in tree order. */
  readonly sums: Float64Array;
  /** Per feature then row of the block: the deltas of its splits summed in tree order (`explain`). */
  readonly credits: Float64Array;
  /** Walks every tree for rows 0..n−1 of the block, adding to `sums` (n ≤ BLOCK). */
  score(n: number): void;
  /** As `score`, also adding each split's delta to `credits`. */
  explain(n: number): void;
}

function createWalker(q: QuantizedForest): Walker {
  const at = layoutOf(q);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(at.bytes / 65536) });
  const code = encodeModule([
    { name: 'score', params: 1, locals: LOCALS, body: walkBody(q, at, false) },
    { name: 'explain', params: 1, locals: LOCALS, body: walkBody(q, at, true) },
  ]);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(code), { m: { memory } });
  copyForest(q, memory.buffer, at);
  const { score, explain } = instance.exports as Record<'score' | 'explain', (n: number) => void>;
  return {
    bins: new Uint8Array(memory.buffer, at.bins, (q.features + 1) * BLOCK),
    sums: new Float64Array(memory.buffer, at.sums, BLOCK),
    credits: new Float64Array(memory.buffer, at.credits, (q.features + 1) * BLOCK),
    score: (n) => score(n),
    explain: (n) => explain(n),
  };
}

/** The nodes as byte offsets with the bins going right (a leaf: none, so it stays), the values, deltas and trees. */
function copyForest(q: QuantizedForest, buffer: ArrayBuffer, at: Layout): void {
  const nodes = new Int32Array(buffer, at.nodes, 2 * q.meta.length);
  const values = new Float64Array(buffer, at.values, q.meta.length);
  new Float64Array(buffer, at.deltas, q.meta.length).set(q.delta);
  for (let k = 0; k < q.meta.length; k++) {
    const m = q.meta[k]!;
    nodes[2 * k] = (((m >>> 6) * NODE_BYTES) << 6) | (m & 63);
    nodes[2 * k + 1] = ~q.mask[k]!;
    values[k] = q.value[k]!;
  }
  const trees = new Int32Array(buffer, at.trees, 2 * q.trees);
  for (let t = 0; t < q.trees; t++) {
    trees[2 * t] = q.roots[t]! * NODE_BYTES;
    // The walk's first step is from the root; a one-leaf tree takes it too, onto itself.
    trees[2 * t + 1] = Math.max(q.depth[t]! - 1, 0);
  }
}

const walkers = new WeakMap<QuantizedForest, Walker>();

/** The forest's walker, compiled and its nodes copied in once. */
export function walkerOf(q: QuantizedForest): Walker {
  let walker = walkers.get(q);
  if (!walker) {
    walker = createWalker(q);
    walkers.set(q, walker);
  }
  return walker;
}
