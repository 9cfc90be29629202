/**
 * The local SQS event source mapping, against fauxqs queues: messages reach the function in
 * batches up to the batch size, gathered for the batching window; no more batches at once
 * than the mapping's maximum concurrency; what succeeded is deleted, while reported item
 * failures, a function error, or a failure naming no message of the batch leave messages to
 * come back after the visibility timeout, and the queue's redrive policy moves a message
 * that keeps failing to the dead-letter queue. The function here is a plain recording one:
 * what is under test is the poller, and its input comes from a real queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { SqsPoller } from '#infra/local/sqs-poller.ts';
import type { InvocationResult } from '#infra/local/lambda-runtime.ts';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { waitFor } from '#test/support/wait-for.ts';
import { defined } from '#test/support/defined.ts';

interface Settings {
  readonly batchSize: number;
  readonly windowSeconds: number;
  readonly maximumConcurrency?: number;
}

/** What the function returns for a batch: `ok` with its payload, or a function error. */
type Answer = { ok: true; payload?: unknown } | { ok: false };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('local SQS poller: batches, concurrency, partial failures and redrive', () => {
  let local: TestEmulators;
  let queues = 0;

  beforeAll(async () => {
    local = await startTestEmulators();
  });
  afterAll(() => local?.stop());

  async function queue(attributes: Record<string, string> = {}) {
    const name = `q${++queues}`;
    const url = defined(
      (await local.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl,
      name,
    );
    const got = await local.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    return { url, arn: defined(got.Attributes?.QueueArn, `${name}'s ARN`) };
  }

  async function send(url: string, bodies: string[]) {
    for (let i = 0; i < bodies.length; i += 10) {
      const Entries = bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(j), MessageBody }));
      const sent = await local.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries }));
      expect(sent.Failed ?? []).toEqual([]);
    }
  }

  /** A started poller whose function records each batch and answers as `answer` says. */
  function poller(source: { url: string; arn: string }, settings: Settings, answer: (batch: SQSRecord[]) => Answer) {
    const batches: SQSRecord[][] = [];
    const concurrency = { now: 0, most: 0 };
    const invoke = async (event: SQSEvent): Promise<InvocationResult> => {
      concurrency.most = Math.max(concurrency.most, ++concurrency.now);
      batches.push(event.Records);
      await sleep(50);
      concurrency.now--;
      const a = answer(event.Records);
      const base = { requestId: `r${batches.length}`, durationMs: 50, peakMemoryBytes: 0 };
      return a.ok
        ? { ...base, ok: true, payload: a.payload ?? null }
        : { ...base, ok: false, error: { errorType: 'Error', errorMessage: 'the function failed', trace: [] } };
    };
    const running = new SqsPoller({
      sqs: local.sqs,
      queueUrl: source.url,
      queueArn: source.arn,
      region: 'us-east-1',
      settings: {
        batchSize: settings.batchSize,
        maximumBatchingWindowSeconds: settings.windowSeconds,
        reportBatchItemFailures: true,
        ...(settings.maximumConcurrency === undefined ? {} : { maximumConcurrency: settings.maximumConcurrency }),
      },
      invoke,
    });
    running.start();
    return { running, batches, concurrency };
  }

  const bodiesOf = (batches: SQSRecord[][]) => batches.flat().map((r) => r.body);
  const failures = (...ids: string[]) => ({
    ok: true as const,
    payload: { batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) },
  });

  it('gathers batches up to the batch size over the window, as real SQSEvents, each message once', async () => {
    const source = await queue();
    const bodies = Array.from({ length: 45 }, (_, i) => `m${i}`);
    await send(source.url, bodies);
    const p = poller(source, { batchSize: 20, windowSeconds: 1, maximumConcurrency: 2 }, () => ({ ok: true }));
    await waitFor(async () => bodiesOf(p.batches).length >= 45 && !p.running.busy, { what: '45 messages handled' });
    await p.running.stop();
    expect(bodiesOf(p.batches).sort()).toEqual([...bodies].sort());
    expect(Math.max(...p.batches.map((b) => b.length))).toBeLessThanOrEqual(20);
    // Ten messages a receive: without the window's gathering there would be 5 batches at least.
    expect(p.batches.length).toBeLessThanOrEqual(4);
    const record = defined(p.batches[0]?.[0], 'a record');
    expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: source.arn, awsRegion: 'us-east-1' });
    expect(record.attributes.ApproximateReceiveCount).toBe('1');
    expect(record.messageId).toMatch(/\S/);

    // A trickle within the window makes one batch.
    const trickle = await queue();
    const q = poller(trickle, { batchSize: 100, windowSeconds: 3 }, () => ({ ok: true }));
    for (const body of ['t1', 't2', 't3']) {
      await local.sqs.send(new SendMessageCommand({ QueueUrl: trickle.url, MessageBody: body }));
      await sleep(200);
    }
    await waitFor(async () => bodiesOf(q.batches).length >= 3 && !q.running.busy, { what: 'the trickle handled' });
    await q.running.stop();
    expect(q.batches.map((b) => b.map((r) => r.body))).toEqual([['t1', 't2', 't3']]);
  });

  it('runs no more batches at once than the maximum concurrency', async () => {
    const source = await queue();
    await send(
      source.url,
      Array.from({ length: 12 }, (_, i) => `c${i}`),
    );
    const p = poller(source, { batchSize: 1, windowSeconds: 0, maximumConcurrency: 2 }, () => ({ ok: true }));
    await waitFor(async () => bodiesOf(p.batches).length >= 12 && !p.running.busy, { what: '12 batches' });
    await p.running.stop();
    expect(p.batches).toHaveLength(12);
    expect(p.concurrency.most).toBe(2);
  });

  it('deletes what succeeded and brings back reported failures and failed batches after the visibility timeout', async () => {
    const source = await queue({ VisibilityTimeout: '1' });
    await send(source.url, ['ok-1', 'fail-once', 'ok-2']);
    // No window here: a message gathered for a window longer than its visibility timeout would come back.
    const p = poller(source, { batchSize: 10, windowSeconds: 0 }, (batch) => {
      const first = batch.find((r) => r.body === 'fail-once' && r.attributes.ApproximateReceiveCount === '1');
      return first ? failures(first.messageId) : { ok: true };
    });
    await waitFor(async () => p.batches.length >= 2 && !p.running.busy, { what: 'the failed message back' });
    const retried = defined(p.batches[1], 'the second batch');
    expect(retried.map((r) => [r.body, r.attributes.ApproximateReceiveCount])).toEqual([['fail-once', '2']]);

    await p.running.stop();

    // A function error, then a failure that names no message of the batch: both leave the whole batch.
    await send(source.url, ['whole-1', 'whole-2']);
    const q = poller(source, { batchSize: 10, windowSeconds: 0 }, (batch) => {
      const count = batch[0]?.attributes.ApproximateReceiveCount;
      return count === '1' ? { ok: false } : count === '2' ? failures('nobody') : { ok: true };
    });
    await waitFor(async () => q.batches.length >= 3 && !q.running.busy, { what: 'the failed batch back twice' });
    await q.running.stop();
    expect(q.batches.map((b) => b.map((r) => `${r.body}:${r.attributes.ApproximateReceiveCount}`).sort())).toEqual([
      ['whole-1:1', 'whole-2:1'],
      ['whole-1:2', 'whole-2:2'],
      ['whole-1:3', 'whole-2:3'],
    ]);
  });

  it("moves a message that keeps failing to the queue's dead-letter queue, the others handled", async () => {
    const dlq = await queue();
    const redrive = JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 });
    const source = await queue({ VisibilityTimeout: '1', RedrivePolicy: redrive });
    await send(source.url, ['fine', 'poison']);
    const p = poller(source, { batchSize: 10, windowSeconds: 0 }, (batch) =>
      failures(...batch.filter((r) => r.body === 'poison').map((r) => r.messageId)),
    );
    const dead = await waitFor(
      async () => {
        const got = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 1 }));
        return got.Messages?.[0];
      },
      { what: 'the poison message in the dead-letter queue', timeoutMs: 20_000 },
    );
    await p.running.stop();
    expect(dead.Body).toBe('poison');
    expect(p.batches.flat().filter((r) => r.body === 'poison')).toHaveLength(2);
    expect(p.batches.flat().filter((r) => r.body === 'fine')).toHaveLength(1);
  });
});
