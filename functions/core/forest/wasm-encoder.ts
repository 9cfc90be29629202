/**
 * A very small WebAssembly encoder: just the instructions the tree walker (walk-wasm.ts)
 * uses (and `i32.mul`, `i32.store`, which its tests use), in the folded form of the text
 * format: `i32.add(a, b)` reads like `(i32.add a b)` and gives a's code, b's code, then the add. The binary format is that of
 * the WebAssembly core specification (section 5): numbers in LEB128, sections of vectors.
 * Every value is an i32 or an f64; the one memory is imported as `m.memory`.
 */

/** Instructions, as their bytes. */
export type Code = readonly number[];

/** Unsigned LEB128: 7 bits a byte, low first, the high bit set on all but the last. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    const low = v & 0x7f;
    v >>>= 7;
    out.push(v ? low | 0x80 : low);
  } while (v);
  return out;
}

/** Signed LEB128 of a 32-bit integer: ends when the rest is all sign bits. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const low = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(low & 0x40)) || (v === -1 && low & 0x40)) return [...out, low];
    out.push(low | 0x80);
  }
}

const I32 = 0x7f;
const binary =
  (opcode: number) =>
  (a: Code, b: Code): Code => [...a, ...b, opcode];
// Memory instructions carry their alignment (log2 of the bytes) and a constant offset added to the address.
const memory = (opcode: number, align: number) => (address: Code, offset: number) => [
  ...address,
  opcode,
  align,
  ...uleb(offset),
];

export const i32 = {
  const: (v: number): Code => [0x41, ...sleb(v)],
  add: binary(0x6a),
  sub: binary(0x6b),
  mul: binary(0x6c),
  and: binary(0x71),
  shl: binary(0x74),
  shrU: binary(0x76),
  /** Unsigned a < b, as 1 or 0. */
  ltU: binary(0x49),
  eqz: (a: Code): Code => [...a, 0x45],
  load: memory(0x28, 2),
  load8U: memory(0x2d, 0),
  store: (address: Code, value: Code, offset: number): Code => [...address, ...value, 0x36, 2, ...uleb(offset)],
};

export const f64 = {
  add: binary(0xa0),
  load: memory(0x2b, 3),
  store: (address: Code, value: Code, offset: number): Code => [...address, ...value, 0x39, 3, ...uleb(offset)],
};

export const local = {
  get: (index: number): Code => [0x20, ...uleb(index)],
  set: (index: number, value: Code): Code => [...value, 0x21, ...uleb(index)],
};

const block = (body: Code): Code => [0x02, 0x40, ...body, 0x0b];
const loop = (body: Code): Code => [0x03, 0x40, ...body, 0x0b];
/** Leaves the enclosing `block` (1 up from the loop's body) when the condition holds. */
const exitIf = (condition: Code): Code => [...condition, 0x0d, 1];
/** Back to the start of the enclosing `loop`. */
const again: Code = [0x0c, 0];

/** `while (condition) { body }`: body must not branch out of itself. */
export function whileLoop(condition: Code, ...body: Code[]): Code {
  return block(loop([...exitIf(i32.eqz(condition)), ...body.flat(), ...again]));
}

/** `for (i = from; i < to; i += step) { body }`, unsigned; `to` is evaluated before every round. */
export function forUp(i: number, from: Code, to: Code, step: number, ...body: Code[]): Code {
  return [
    ...local.set(i, from),
    ...whileLoop(i32.ltU(local.get(i), to), ...body, local.set(i, i32.add(local.get(i), i32.const(step)))),
  ];
}

export interface FunctionSpec {
  /** The exported name. */
  readonly name: string;
  /** i32 parameters: locals 0..params−1. */
  readonly params: number;
  /** More i32 locals after the parameters, zero at the start of every call. */
  readonly locals: number;
  readonly body: Code[];
}

const vector = (items: Code[]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, content: Code): number[] => [id, ...uleb(content.length), ...content];
const text = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];

/** A module of functions that return nothing, importing its memory as `m.memory` (at least one page). */
export function encodeModule(functions: readonly FunctionSpec[]): Uint8Array<ArrayBuffer> {
  const type = (f: FunctionSpec) => [0x60, ...vector(Array.from({ length: f.params }, () => [I32])), 0];
  const body = (f: FunctionSpec) => {
    const content = [...vector(f.locals > 0 ? [[...uleb(f.locals), I32]] : []), ...f.body.flat(), 0x0b];
    return [...uleb(content.length), ...content];
  };
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d], // "\0asm"
    ...[0x01, 0x00, 0x00, 0x00], // version 1
    ...section(1, vector(functions.map(type))), // types: function i
    ...section(2, vector([[...text('m'), ...text('memory'), 0x02, 0x00, 0x01]])), // import memory, min 1 page
    ...section(3, vector(functions.map((_, i) => uleb(i)))), // function i has type i
    ...section(7, vector(functions.map((f, i) => [...text(f.name), 0x00, ...uleb(i)]))), // exports
    ...section(10, vector(functions.map(body))), // code
  ]);
}
