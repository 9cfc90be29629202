/**
 * The benchmark's subscriber, run as a worker thread (as a user's consumer runs in a process
 * of its own, not on the emulators' thread): receives result messages with four long polls,
 * posts `{ userId, round, resultId, at }` (at = epoch ms, high resolution) for each result to the
 * parent, deletes them, and stops when told.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseResultsMessage } from '#core/prediction/result.ts';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

const { queueUrl, config } = workerData as { queueUrl: string; config: SQSClientConfig };
if (!parentPort) throw new Error('_results-subscriber.ts runs only as a worker thread');
const port = parentPort;
const sqs = new SQSClient(config);
let running = true;
port.on('message', (message: unknown) => {
  if (message === 'stop') running = false;
});

async function receiver(): Promise<void> {
  while (running) {
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const at = performance.timeOrigin + performance.now();
    const messages = got.Messages ?? [];
    if (!messages.length) continue;
    port.postMessage(
      messages.flatMap((m) =>
        parseResultsMessage(m.Body ?? '').map(({ userId, round, resultId }) => ({ userId, round, resultId, at })),
      ),
    );
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

await Promise.all(Array.from({ length: 4 }, receiver));
sqs.destroy();
port.postMessage('stopped');
