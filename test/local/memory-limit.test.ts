/**
 * The local runtime holds a function to its memory setting as Lambda does, counting the
 * typed arrays that live outside the heap (the worker's heap limit alone would not see
 * them): a handler that holds more than its MemorySize in buffers fails with
 * Runtime.OutOfMemory, the same handler within its memory succeeds.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { defined } from '#test/support/defined.ts';
import { inlineFunctions } from '#test/support/inline-function.ts';

describe('memory limit in the local runtime', () => {
  // Holds `mb` MB in a Float64Array (off the heap) for a moment, then answers its length.
  const functions = inlineFunctions(
    'memory-limit-',
    'export const handler = async ({ mb }) => {\n' +
      '  const held = new Float64Array((mb * 2 ** 20) / 8).fill(1);\n' +
      '  await new Promise((resolve) => setTimeout(resolve, 100));\n' +
      '  return held.length;\n};\n',
  );
  afterAll(() => functions.stop());
  const start = (memoryMb: number) => functions.start({ memoryMb });

  it('fails an invocation whose buffers pass the memory setting', async () => {
    const result = await start(128).invoke({ mb: 200 });
    expect(result.ok).toBe(false);
    expect(result.error?.errorType).toBe('Runtime.OutOfMemory');
    expect(result.error?.errorMessage).toMatch(/exceeds the function's 128 MB/);
  });

  it('runs the same handler within a larger setting', async () => {
    const result = await start(512).invoke({ mb: 200 });
    expect(result).toMatchObject({ ok: true, payload: (200 * 2 ** 20) / 8 });
    expect(result.peakMemoryBytes).toBeGreaterThan(200 * 2 ** 20);
  });

  it("ends each invocation's output with Lambda's REPORT line, its peak memory included", async () => {
    const output: string[] = [];
    const result = await functions
      .start({ memoryMb: 512 }, { onOutput: (_, chunk) => output.push(chunk) })
      .invoke({ mb: 200 });
    const report = await vi.waitFor(() => defined(/^REPORT .*$/m.exec(output.join(''))?.[0], 'a REPORT line'));
    expect(report).toMatch(
      new RegExp(
        `^REPORT RequestId: ${result.requestId}\tDuration: [\\d.]+ ms\tBilled Duration: \\d+ ms\tMemory Size: 512 MB\tMax Memory Used: \\d+ MB$`,
      ),
    );
    expect(Number(/Max Memory Used: (\d+)/.exec(report)?.[1])).toBe(Math.ceil(result.peakMemoryBytes / 2 ** 20));
  });
});
