/**
 * A function's reserved concurrency in the local runtime: invocations beyond it wait for a
 * free execution environment, as Lambda throttles them, so a function reserved to 1 (the
 * rejoin function) never runs twice at once. Which worker thread served each invocation
 * shows it without timing anything.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalFunction } from '#infra/local/lambda-runtime.ts';
import { inlineFunctions } from '#test/support/inline-function.ts';

describe('reserved concurrency in the local runtime', () => {
  const functions = inlineFunctions(
    'reserved-',
    "import { threadId } from 'node:worker_threads';\nexport const handler = async () => threadId;\n",
  );
  afterAll(() => functions.stop());
  const start = (reservedConcurrency?: number) =>
    functions.start(reservedConcurrency === undefined ? {} : { reservedConcurrency }, { maxConcurrency: 2 });
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
