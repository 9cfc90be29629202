/**
 * The one way a test waits for something asynchronous: poll a check until it holds, within a
 * deadline, and fail naming what never happened (never a fixed sleep, never an open loop).
 *
 *   const keys = await waitFor(async () => (await listKeys(s3, bucket, 'seen/')).length >= 3, {
 *     what: 'three objects under seen/',
 *   });
 */
interface WaitOptions {
  /** What the test waits for, in words: the timeout's message names it. */
  readonly what: string;
  /** Give up after this long (default 20 s). */
  readonly timeoutMs?: number;
  /** Pause between checks (default 50 ms). */
  readonly intervalMs?: number;
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Calls `check` until it returns a truthy value, and resolves with that value. An error
 * thrown by `check` ends the wait at once (a check that can no longer come true says so by
 * throwing); a check expecting transient errors catches them itself.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { what, timeoutMs = 20_000, intervalMs = 50 }: WaitOptions,
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
