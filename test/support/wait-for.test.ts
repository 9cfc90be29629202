import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.ts';

describe('waitFor', () => {
  it('resolves with the first truthy value of the check', async () => {
    let calls = 0;
    const value = await waitFor(() => ++calls >= 3 && { calls }, { what: 'three calls', intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it('fails after its deadline, naming what it waited for', async () => {
    const started = Date.now();
    await expect(
      waitFor(() => false, { what: 'a thing that never happens', timeoutMs: 50, intervalMs: 5 }),
    ).rejects.toThrow('timed out after 50 ms waiting for a thing that never happens');
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('stops at once when the check throws', async () => {
    let calls = 0;
    const failing = waitFor(
      () => {
        calls++;
        throw new Error('gone for good');
      },
      { what: 'anything', timeoutMs: 10_000 },
    );
    await expect(failing).rejects.toThrow('gone for good');
    expect(calls).toBe(1);
  });
});
