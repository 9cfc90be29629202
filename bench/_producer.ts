/**
 * The benchmark's producer, run as a worker thread (as a user's producer runs in a process of
 * its own, not on the emulators' thread): waits for 'go', puts the entries on the stream by
 * PutRecords of 500 (or fewer, at `rate` records/s), and posts back when each good user was
 * put (epoch ms, high resolution, comparable with the subscriber's clock) and how long it took.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { putEntries } from '#aws/prediction/kinesis-producer.ts';

export interface ProducerEntry {
  readonly PartitionKey: string;
  readonly Data: Uint8Array;
  /** The good record's user, to time its result; undefined for poison. */
  readonly userId?: number;
}

export interface ProducerInput {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly stream: string;
  readonly entries: readonly ProducerEntry[];
  /** Records per second, or undefined for as fast as PutRecords goes. */
  readonly rate?: number;
}

export interface ProducerReport {
  /** [userId, put at] for every good record. */
  readonly putAt: [number, number][];
  readonly started: number;
  readonly putMs: number;
}

const PUT_CHUNK = 500;
const now = () => performance.timeOrigin + performance.now();

if (!parentPort) throw new Error('_producer.ts runs only as a worker thread');
const port = parentPort;
const input = workerData as ProducerInput;
const kinesis = new KinesisClient({
  endpoint: input.endpoint,
  region: input.region,
  credentials: input.credentials,
  requestHandler: new NodeHttpHandler(), // kinesalite speaks HTTP/1.1 only
});

async function putAll({ entries, rate, stream }: ProducerInput): Promise<ProducerReport> {
  const putAt: [number, number][] = [];
  const chunk = rate ? Math.max(1, Math.min(PUT_CHUNK, Math.round(rate / 4))) : PUT_CHUNK;
  const started = now();
  for (let i = 0; i < entries.length; i += chunk) {
    if (rate) {
      const due = started + (i / rate) * 1000;
      if (due > now()) await new Promise((r) => setTimeout(r, due - now()));
    }
    const part = entries.slice(i, i + chunk);
    const at = now();
    for (const e of part) if (e.userId !== undefined) putAt.push([e.userId, at]);
    await putEntries(
      kinesis,
      stream,
      part.map(({ PartitionKey, Data }) => ({ PartitionKey, Data })),
    );
  }
  return { putAt, started, putMs: now() - started };
}

port.once('message', () => {
  void putAll(input).then(
    (report) => port.postMessage(report),
    (error: Error) => port.postMessage({ error: error.stack ?? error.message }),
  );
});
port.postMessage('ready');
