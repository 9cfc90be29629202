/**
 * The WebAssembly encoder the tree walker is written with: its numbers as the specification
 * encodes them, and small programs that the engine accepts and that compute what they say.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeModule,
  f64,
  forUp,
  i32,
  local,
  sleb,
  uleb,
  whileLoop,
  type FunctionSpec,
} from '#core/forest/wasm-encoder.ts';

/** The module's functions, run against a fresh memory of one page. */
function instantiate(functions: FunctionSpec[]) {
  const code = encodeModule(functions);
  expect(WebAssembly.validate(code)).toBe(true);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(code), { m: { memory } });
  return { exports: exports as Record<string, (...args: number[]) => void>, memory };
}

describe('wasm encoder', () => {
  it('writes LEB128 numbers as the specification does', () => {
    // The examples of the specification and of the DWARF standard it follows.
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(sleb(0)).toEqual([0]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(-(2 ** 31))).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
  });

  it('runs a loop of integer and memory instructions: the sum of squares, stored at an offset', () => {
    const [N, I, SUM] = [0, 1, 2];
    const { exports, memory } = instantiate([
      {
        name: 'squares',
        params: 1,
        locals: 2,
        body: [
          forUp(
            I,
            i32.const(1),
            i32.add(local.get(N), i32.const(1)),
            1,
            local.set(SUM, i32.add(local.get(SUM), i32.mul(local.get(I), local.get(I)))),
          ),
          i32.store(i32.const(0), local.get(SUM), 16),
        ],
      },
    ]);
    exports.squares!(10);
    expect(new Int32Array(memory.buffer, 16, 1)[0]).toBe(385);
    exports.squares!(0); // the loop body never runs: locals start at zero on every call
    expect(new Int32Array(memory.buffer, 16, 1)[0]).toBe(0);
  });

  it('counts a while loop down, and shifts, masks and subtracts as unsigned 32-bit words', () => {
    const [X, COUNT] = [0, 1];
    const { exports, memory } = instantiate([
      {
        name: 'bits',
        params: 1,
        locals: 1,
        body: [
          // Count the set bits: x &= x − 1 until x is 0.
          whileLoop(
            local.get(X),
            local.set(X, i32.and(local.get(X), i32.sub(local.get(X), i32.const(1)))),
            local.set(COUNT, i32.add(local.get(COUNT), i32.const(1))),
          ),
          i32.store(i32.const(4), local.get(COUNT), 0),
          i32.store(i32.const(0), i32.shrU(i32.const(-8), i32.const(1)), 8),
          i32.store(i32.const(0), i32.shl(i32.const(3), i32.const(30)), 12),
        ],
      },
    ]);
    exports.bits!(0b1011_0000_1111);
    const words = new Int32Array(memory.buffer, 0, 4);
    expect(words[1]).toBe(7);
    expect(words[2]! >>> 0).toBe(0x7ffffffc);
    expect(words[3]).toBe(3 << 30);
    exports.bits!(-1);
    expect(words[1]).toBe(32);
  });

  it('loads bytes and doubles at constant offsets and adds doubles exactly as JavaScript does', () => {
    const { exports, memory } = instantiate([
      {
        name: 'add',
        params: 1,
        locals: 0,
        body: [
          // doubles[2] = doubles[0] + doubles[1 + bytes[100 + a]]
          f64.store(
            i32.const(0),
            f64.add(f64.load(i32.const(0), 0), f64.load(i32.shl(i32.load8U(local.get(0), 100), i32.const(3)), 8)),
            16,
          ),
        ],
      },
      { name: 'nothing', params: 0, locals: 0, body: [] },
    ]);
    const doubles = new Float64Array(memory.buffer, 0, 4);
    const bytes = new Uint8Array(memory.buffer);
    doubles.set([0.1, 0.2, 1e-17]);
    bytes[101] = 1; // address 100 + 1 holds 1: doubles[1 + 1]
    exports.add!(1);
    expect(doubles[2]).toBe(0.1 + 1e-17);
    exports.add!(0); // bytes[100] is 0: doubles[1]
    expect(doubles[2]).toBe(0.1 + 0.2);
    expect(() => exports.nothing!()).not.toThrow();
  });

  it('refuses to read outside its memory instead of reading something else', () => {
    const { exports } = instantiate([
      { name: 'far', params: 1, locals: 0, body: [i32.store(i32.const(0), i32.load(local.get(0), 0), 0)] },
    ]);
    expect(() => exports.far!(65536)).toThrow(WebAssembly.RuntimeError);
  });
});
