/**
 * The local runtime holds a function to its memory setting as Lambda does, counting the
 * typed arrays that live outside the heap (the worker's heap limit alone would not see
 * them): a handler that holds more than its MemorySize in buffers fails with
 * Runtime.OutOfMemory, the same handler within its memory succeeds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFunction } from '#infra/local/lambda-runtime.ts';

describe('memory limit in the local runtime', () => {
  let assetDir: string;
  const running: LocalFunction[] = [];

  beforeAll(() => {
    assetDir = mkdtempSync(join(tmpdir(), 'memory-limit-'));
    // Holds `mb` MB in a Float64Array (off the heap) for a moment, then answers its length.
    writeFileSync(
      join(assetDir, 'index.mjs'),
      'export const handler = async ({ mb }) => {\n' +
        '  const held = new Float64Array((mb * 2 ** 20) / 8).fill(1);\n' +
        '  await new Promise((resolve) => setTimeout(resolve, 100));\n' +
        '  return held.length;\n};\n',
    );
  });
  afterAll(async () => {
    await Promise.all(running.map((f) => f.stop()));
    rmSync(assetDir, { recursive: true, force: true });
  });

  const start = (memoryMb: number) => {
    const fn = new LocalFunction({
      logicalId: 'Fn',
      name: 'fn',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
      handler: 'index.handler',
      assetDir,
      environment: {},
      timeoutSeconds: 30,
      memoryMb,
    });
    running.push(fn);
    return fn;
  };

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
});
