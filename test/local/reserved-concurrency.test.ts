/**
 * A function's reserved concurrency in the local runtime: invocations beyond it wait for a
 * free execution environment, as Lambda throttles them, so a function reserved to 1 (the
 * rejoin function) never runs twice at once. Which worker thread served each invocation
 * shows it without timing anything.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFunction, type LocalFunctionConfig } from '#infra/local/lambda-runtime.ts';

describe('reserved concurrency in the local runtime', () => {
  let assetDir: string;
  const running: LocalFunction[] = [];

  beforeAll(() => {
    assetDir = mkdtempSync(join(tmpdir(), 'reserved-'));
    writeFileSync(
      join(assetDir, 'index.mjs'),
      "import { threadId } from 'node:worker_threads';\nexport const handler = async () => threadId;\n",
    );
  });
  afterAll(async () => {
    await Promise.all(running.map((f) => f.stop()));
    rmSync(assetDir, { recursive: true, force: true });
  });

  const start = (reservedConcurrency?: number) => {
    const config: LocalFunctionConfig = {
      logicalId: 'Fn',
      name: 'fn',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
      handler: 'index.handler',
      assetDir,
      environment: {},
      timeoutSeconds: 30,
      memoryMb: 128,
      ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
    };
    const fn = new LocalFunction(config, { maxConcurrency: 2 });
    running.push(fn);
    return fn;
  };
  const threadsOf = async (fn: LocalFunction) => {
    const results = await Promise.all([fn.invoke({}), fn.invoke({})]);
    return new Set(results.map((r) => r.payload));
  };

  it('runs two invocations at once in two environments when nothing is reserved', async () => {
    expect((await threadsOf(start())).size).toBe(2);
  });

  it('queues the second invocation behind the first when one is reserved', async () => {
    expect((await threadsOf(start(1))).size).toBe(1);
  });
});
