/** Reads over the storage port that are the same for every adapter: coalescing small chunks. */
import { describe, expect, it } from 'vitest';
import { coalesce } from '#core/storage/reads.ts';

/** Chunks of `size` bytes counting up from 0, all written into one reused buffer (as a transient read does). */
async function* reusedChunks(count: number, size: number): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(size);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < size; k++) buffer[k] = (i * size + k) % 251;
    yield buffer;
  }
}

describe('coalesce', () => {
  it('joins small chunks into pieces of about the size asked, copying them so a reused buffer is safe', async () => {
    const pieces: Uint8Array[] = [];
    for await (const piece of coalesce(reusedChunks(100, 1000), 16_000)) pieces.push(piece);
    expect(pieces.map((p) => p.length)).toEqual([...Array(6).fill(16_000), 4000]);
    const all = Buffer.concat(pieces);
    expect(all.every((byte, i) => byte === i % 251)).toBe(true);
  });

  it('passes a chunk that is already large as it is', async () => {
    const big = new Uint8Array(2048);
    const pieces: Uint8Array[] = [];
    for await (const piece of coalesce(
      (async function* () {
        yield big;
      })(),
      1024,
    ))
      pieces.push(piece);
    expect(pieces).toHaveLength(1);
    expect(pieces[0]).toBe(big);
  });
});
