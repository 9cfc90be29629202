/**
 * The quantized walk's level loop as a small WebAssembly function: the same integer steps as
 * quantized.ts's `walk`, without JavaScript's bounds check on every typed-array access (the
 * engine guards WebAssembly memory with page protection instead), measured about 1.3× the
 * JavaScript loop (bench/scoring.ts). The function is assembled here from its text below, so
 * no build step and no binary file:
 *
 *   (func (export "walk") (param $levels $n $at $nodes $bins i32) (local $i $p $node $m i32)
 *     (block $done (loop $level
 *       (br_if $done (i32.eqz $levels))
 *       (local.set $i 0) (local.set $p $at)
 *       (block $end (loop $row
 *         (br_if $end (i32.ge_u $i $n))
 *         ;; at[i] holds the node's byte offset; a node is two words: meta, then mask
 *         (local.set $node (i32.add $nodes (i32.load $p)))
 *         (local.set $m (i32.load $node))
 *         (i32.store $p (i32.sub (i32.add (i32.shr_u $m 6) 8)
 *           (i32.shl (i32.and (i32.shr_u (i32.load offset=4 $node)
 *             (i32.load8_u (i32.add (i32.add $bins (i32.shl (i32.and $m 63) 8)) $i))) 1) 3)))
 *         (local.set $i (i32.add $i 1)) (local.set $p (i32.add $p 4))
 *         (br $row)))
 *       (local.set $levels (i32.sub $levels 1))
 *       (br $level))))
 *
 * Node words here: meta = (left child's byte offset) << 6 | feature, so the next node's
 * offset is `(meta >>> 6) + 8 − 8 × goesLeft`, and mask as in quantized.ts.
 */

/** Byte offsets of the parts of the walker's memory. */
interface Layout {
  readonly nodes: number;
  readonly at: number;
  readonly bins: number;
  readonly bytes: number;
}

export interface Walker {
  /** Per node two words: meta (left child's byte offset << 6 | feature) and mask. */
  readonly nodes: Int32Array;
  /** The block's walk positions, as node byte offsets (node index × 8). */
  readonly at: Int32Array;
  /** The block's bins, feature-major, 256 per feature. */
  readonly bins: Uint8Array;
  /** `levels` steps for rows 0..n−1 of the block. */
  walk(levels: number, n: number): void;
}

/** Node byte offsets must fit in 26 bits beside the 6 feature bits. */
export const WALKER_MAX_NODES = 1 << 23;

/** A walker with room for `nodeCount` nodes and `binColumns` columns of 256 bins. */
export function createWalker(nodeCount: number, binColumns: number, block: number): Walker {
  const layout = layoutOf(nodeCount, binColumns, block);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(layout.bytes / 65536) });
  const instance = new WebAssembly.Instance(module(), { m: { memory } });
  const walk = instance.exports.walk as (levels: number, n: number, at: number, nodes: number, bins: number) => void;
  return {
    nodes: new Int32Array(memory.buffer, layout.nodes, 2 * nodeCount),
    at: new Int32Array(memory.buffer, layout.at, block),
    bins: new Uint8Array(memory.buffer, layout.bins, binColumns * block),
    walk: (levels, n) => walk(levels, n, layout.at, layout.nodes, layout.bins),
  };
}

function layoutOf(nodeCount: number, binColumns: number, block: number): Layout {
  const nodes = 0;
  const at = nodes + 8 * nodeCount;
  const bins = at + 4 * block;
  return { nodes, at, bins, bytes: bins + binColumns * block };
}

let compiled: WebAssembly.Module | undefined;

function module(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(assemble());
  return compiled;
}

// The encoding (WebAssembly core spec, binary format): LEB128 numbers, sections of vectors.
const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    const low = v & 0x7f;
    v >>>= 7;
    out.push(v ? low | 0x80 : low);
  } while (v);
  return out;
};
const sleb = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const low = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(low & 0x40)) || (v === -1 && low & 0x40)) return [...out, low];
    out.push(low | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

const I32 = 0x7f;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  const: 0x41,
  eqz: 0x45,
  geU: 0x4f,
  add: 0x6a,
  sub: 0x6b,
  and: 0x71,
  shl: 0x74,
  shrU: 0x76,
  load: (offset: number) => [0x28, 2, offset],
  load8U: [0x2d, 0, 0],
  store: [0x36, 2, 0],
} as const;
const [LEVELS, N, AT, NODES, BINS, I, P, NODE, M] = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;
const get = (local: number) => [op.get, local];
const set = (local: number) => [op.set, local];
const num = (v: number) => [op.const, ...sleb(v)];

function assemble(): Uint8Array<ArrayBuffer> {
  const row = [
    ...[...get(I), ...get(N), op.geU, op.brIf, 1],
    ...[...get(NODES), ...get(P), ...op.load(0), op.add, ...set(NODE)],
    ...[...get(NODE), ...op.load(0), ...set(M)],
    ...get(P),
    ...[...get(M), ...num(6), op.shrU, ...num(8), op.add],
    ...[...get(NODE), ...op.load(4)],
    ...[...get(BINS), ...get(M), ...num(63), op.and, ...num(8), op.shl, op.add, ...get(I), op.add, ...op.load8U],
    ...[op.shrU, ...num(1), op.and, ...num(3), op.shl, op.sub, ...op.store],
    ...[...get(I), ...num(1), op.add, ...set(I)],
    ...[...get(P), ...num(4), op.add, ...set(P)],
    ...[op.br, 0],
  ];
  const body = [
    ...[...op.block, ...op.loop],
    ...[...get(LEVELS), op.eqz, op.brIf, 1],
    ...[...num(0), ...set(I), ...get(AT), ...set(P)],
    ...[...op.block, ...op.loop, ...row, op.end, op.end],
    ...[...get(LEVELS), ...num(1), op.sub, ...set(LEVELS)],
    ...[op.br, 0, op.end, op.end],
    op.end,
  ];
  const code = [...vec([[4, I32]]), ...body];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), 0]])),
    ...section(2, vec([[...name('m'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('walk'), 0x00, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}
