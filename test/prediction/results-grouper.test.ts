/**
 * Results many to a message: grouped by their attributes (round, model version), at most so
 * many a message and at most SNS's 256 KiB as SNS counts it; each caller's promise follows the
 * message that carries its result.
 */
import { describe, expect, it } from 'vitest';
import { groupMessages, ResultsGrouper } from '#aws/prediction/results-grouper.ts';
import { SNS_MAX_BATCH_BYTES, messageBytes, type OutgoingMessage } from '#aws/prediction/sns-publish-batch.ts';
import { parseResultsMessage, predictionResult } from '#core/prediction/result.ts';

const attributes = (round: number) => ({
  modelVersion: { DataType: 'String', StringValue: 'v1' },
  round: { DataType: 'Number', StringValue: String(round) },
});
const result = (userId: number, round = 0, padding = 0): OutgoingMessage => ({
  body: JSON.stringify({ ...predictionResult(userId, round, 0.25, 'v1', new Date(0)), pad: 'x'.repeat(padding) }),
  attributes: attributes(round),
});
const users = (group: OutgoingMessage[]) => group.map((m) => (JSON.parse(m.body) as { userId: number }).userId);

describe('groupMessages', () => {
  it('puts at most maxResults results in a message, in order', () => {
    const groups = groupMessages(
      Array.from({ length: 250 }, (_, i) => result(i)),
      100,
    );
    expect(groups.map((g) => g.length)).toEqual([100, 100, 50]);
    expect(groups.flatMap(users)).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it('never mixes results of different attributes in a message', () => {
    const groups = groupMessages([result(1, 0), result(2, 1), result(3, 0), result(4, 1)], 100);
    expect(groups.map(users)).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it('keeps every message within 256 KiB, body and attributes as SNS counts them', () => {
    const big = Array.from({ length: 40 }, (_, i) => result(i, 0, 20_000));
    const groups = groupMessages(big, 100);
    expect(groups.length).toBeGreaterThan(3);
    for (const group of groups) {
      const body = `{"formatVersion":1,"results":[${group.map((m) => m.body).join(',')}]}`;
      expect(messageBytes({ body, attributes: group[0]?.attributes })).toBeLessThanOrEqual(SNS_MAX_BATCH_BYTES);
    }
    // Packed, not one a message: each but the last is too full to take the next result.
    expect(groups.slice(0, -1).every((g) => g.length >= 12)).toBe(true);
  });
});

describe('ResultsGrouper', () => {
  it('sends one message for results sent in the same turn, and resolves every caller with it', async () => {
    const sent: OutgoingMessage[] = [];
    const grouper = new ResultsGrouper({ send: async (m) => void sent.push(m) }, 100);
    await Promise.all([1, 2, 3].map((u) => grouper.send(result(u))));
    expect(sent).toHaveLength(1);
    expect(parseResultsMessage(sent[0]?.body ?? '').map((r) => r.userId)).toEqual([1, 2, 3]);
    expect(sent[0]?.attributes).toEqual(attributes(0));
  });

  it('rejects every caller whose result was in a refused message, and only those', async () => {
    const grouper = new ResultsGrouper(
      {
        send: async (m) => {
          if (parseResultsMessage(m.body).some((r) => r.round === 1)) throw new Error('refused');
        },
      },
      100,
    );
    const outcomes = await Promise.allSettled([result(1, 0), result(2, 1), result(3, 1)].map((m) => grouper.send(m)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
  });
});
