/**
 * The reference that decides the WebAssembly walker (walk-wasm.ts): the same walk written in
 * plain TypeScript, as fast as we could make it (measured: interleaved node words, the bins
 * offset stored premultiplied, 4 rows' nodes in locals; 8 rows were no faster, the engine
 * spills them). Only the benchmark uses it; it must give the same probabilities, which the
 * benchmark checks.
 */
import { BLOCK, fillBins, type QuantizedForest } from '#core/forest/quantized.ts';

const laidOut = new WeakMap<QuantizedForest, Int32Array>();

/** Per node two words: left child's word offset << 14 | feature × 256, then the mask of bins going right. */
function nodesOf(q: QuantizedForest): Int32Array {
  let nodes = laidOut.get(q);
  if (nodes) return nodes;
  nodes = new Int32Array(2 * q.meta.length);
  for (let k = 0; k < q.meta.length; k++) {
    const m = q.meta[k]!;
    nodes[2 * k] = (((m >>> 6) * 2) << 14) | ((m & 63) << 8);
    nodes[2 * k + 1] = ~q.mask[k]!;
  }
  laidOut.set(q, nodes);
  return nodes;
}

/** Probabilities of `rows` rows, as scoreColumns gives them. Forests of up to 131,072 nodes. */
export function scoreTypeScript(q: QuantizedForest, columns: readonly Float32Array[], rows: number, out: Float64Array) {
  if (q.meta.length > 1 << 17) throw new Error('the TypeScript walk keeps child offsets in 18 bits');
  const nodes = nodesOf(q);
  const { value, roots, depth } = q;
  const bins = new Uint8Array((q.features + 1) * BLOCK);
  const sums = new Float64Array(BLOCK);
  const inv = 1 / q.trees;
  for (let start = 0; start < rows; start += BLOCK) {
    const n = Math.min(BLOCK, rows - start);
    fillBins(q, columns, start, n, bins);
    sums.fill(0);
    for (let t = 0; t < q.trees; t++) {
      const root = roots[t]! * 2;
      const levels = depth[t]!;
      for (let i = 0; i < n; i += 4) {
        let a = root;
        let b = root;
        let c = root;
        let e = root;
        for (let l = levels; l > 0; l--) {
          const ma = nodes[a]!;
          const mb = nodes[b]!;
          const mc = nodes[c]!;
          const me = nodes[e]!;
          a = (ma >>> 14) + (((nodes[a + 1]! >>> bins[(ma & 0x3f00) | i]!) & 1) << 1);
          b = (mb >>> 14) + (((nodes[b + 1]! >>> bins[(mb & 0x3f00) | (i + 1)]!) & 1) << 1);
          c = (mc >>> 14) + (((nodes[c + 1]! >>> bins[(mc & 0x3f00) | (i + 2)]!) & 1) << 1);
          e = (me >>> 14) + (((nodes[e + 1]! >>> bins[(me & 0x3f00) | (i + 3)]!) & 1) << 1);
        }
        sums[i]! += value[a >> 1]!;
        sums[i + 1]! += value[b >> 1]!;
        sums[i + 2]! += value[c >> 1]!;
        sums[i + 3]! += value[e >> 1]!;
      }
    }
    for (let i = 0; i < n; i++) out[start + i] = sums[i]! * inv;
  }
  return out;
}
