/**
 * Reading a results queue (`retention results`, and npm start's display through the same
 * consumer): whole messages are handed over and deleted, `max` never splits a message, and a
 * message that is not a results message is reported and left on the queue for its redrive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { consumeResults } from '#aws/prediction/results-consumer.ts';
import { predictionResult, resultsMessageBody, type PredictionResult } from '#core/prediction/result.ts';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { defined } from '#test/support/defined.ts';

const scoredAt = new Date('2026-12-02T09:00:00Z');
const body = (userIds: number[]) =>
  resultsMessageBody(userIds.map((u) => JSON.stringify(predictionResult(u, 1, 0.25, 'v1', scoredAt))));

describe('results queue consumer', () => {
  let local: TestEmulators;
  let queueUrl: string;
  beforeAll(async () => {
    local = await startTestEmulators();
    // A short visibility timeout: what the first reader leaves on the queue is seen again soon.
    const created = await local.sqs.send(
      new CreateQueueCommand({ QueueName: 'results-consumer', Attributes: { VisibilityTimeout: '1' } }),
    );
    queueUrl = defined(created.QueueUrl, 'the queue URL');
    for (const message of [body([1, 2]), body([3, 4]), 'not json at all', body([5, 6])])
      await local.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message }));
  });
  afterAll(() => local?.stop());

  it('hands over whole messages up to max, reports the unreadable one and leaves it, deletes the rest', async () => {
    const first: PredictionResult[] = [];
    const unreadable: string[] = [];
    const report = await consumeResults(local.sqs, queueUrl, {
      max: 3,
      idleMs: 1500,
      onResult: (r) => first.push(r),
      onUnreadable: (m) => unreadable.push(m.Body ?? ''),
    });
    // max 3 stops after the message that reaches it: 4 results, never half a message.
    expect(report).toEqual({ handled: 4, error: undefined });
    expect(first.map((r) => r.userId)).toEqual([1, 2, 3, 4]);

    const rest: PredictionResult[] = [];
    const again = await consumeResults(local.sqs, queueUrl, {
      idleMs: 2500,
      onResult: (r) => rest.push(r),
      onUnreadable: (m) => unreadable.push(m.Body ?? ''),
    });
    // The deleted messages never come back; the unreadable one does, each time it is received.
    expect(rest.map((r) => r.userId)).toEqual([5, 6]);
    expect(again.handled).toBe(2);
    expect(unreadable.length).toBeGreaterThanOrEqual(2);
    expect(new Set(unreadable)).toEqual(new Set(['not json at all']));
  });
});
