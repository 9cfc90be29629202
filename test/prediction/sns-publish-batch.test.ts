/** How results are cut into PublishBatch calls: 10 entries and 256 KiB a call at most, in order. */
import { describe, expect, it } from 'vitest';
import { messageBytes, splitIntoCalls, SNS_MAX_BATCH_BYTES } from '#aws/prediction/sns-publish-batch.ts';

const message = (bytes: number, tag = '') => ({ body: tag + 'x'.repeat(bytes - tag.length) });

describe('PublishBatch splitting', () => {
  it('counts the body and each attribute name, type and value, as SNS does', () => {
    expect(messageBytes({ body: 'héllo', attributes: { round: { DataType: 'Number', StringValue: '12' } } })).toBe(
      6 + 5 + 6 + 2,
    );
  });

  it('puts at most 10 small messages in a call, keeping their order', () => {
    const messages = Array.from({ length: 23 }, (_, i) => message(200, String(i)));
    const calls = splitIntoCalls(messages);
    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(calls.flat()).toEqual(messages);
  });

  it('starts a new call before the total would pass 256 KiB', () => {
    const big = 100_000;
    const calls = splitIntoCalls([message(big), message(big), message(big), message(10)]);
    expect(calls.map((c) => c.length)).toEqual([2, 2]);
    for (const call of calls)
      expect(call.reduce((sum, m) => sum + messageBytes(m), 0)).toBeLessThanOrEqual(SNS_MAX_BATCH_BYTES);
  });

  it('sends a message too big for SNS alone, so that only its own send is refused', () => {
    const calls = splitIntoCalls([message(10), message(SNS_MAX_BATCH_BYTES + 1), message(10)]);
    expect(calls.map((c) => c.length)).toEqual([1, 1, 1]);
  });
});
