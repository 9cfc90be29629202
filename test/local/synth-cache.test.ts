/** The synthesis cache key: stable while nothing changes, different when the context does. */
import { describe, expect, it } from 'vitest';
import { synthInputsHash } from '#infra/local/synth-cache.ts';

describe('synthInputsHash', () => {
  it('is the same for the same sources and context, and differs with another context', () => {
    const a = synthInputsHash({ 'retention:stage': 'dev' });
    expect(synthInputsHash({ 'retention:stage': 'dev' })).toBe(a);
    expect(synthInputsHash({ 'retention:stage': 'prod' })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{24}$/);
  });
});
