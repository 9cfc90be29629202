/**
 * One phase of the local-cloud prediction benchmark: puts good records with 1 % poison of
 * every kind (test/support/poison-records.ts) on the stream, as fast as PutRecords goes or
 * at a rate, from a producer thread, receives the results in a subscriber thread (each as a
 * user's own program would run, beside the local cloud, not on its thread), and accounts for every record:
 * each good one has a result (redeliveries carry the same resultId), each poison one is in
 * the poison queue with the reason its kind should get, batches given up are counted, and
 * trends.json counts the round.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient, type Message } from '@aws-sdk/client-sqs';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Worker } from 'node:worker_threads';
import { loadavg } from 'node:os';
import type { LocalCloud } from '#infra/local/cloud.ts';
import { LOCAL_CREDENTIALS, sqsClientConfig } from '#infra/local/emulators.ts';
import type { ProducerInput, ProducerReport } from './_producer.ts';
import type { PredictionRecord } from '#core/prediction/record.ts';
import { burstWithPoison, type BurstEntry } from '#test/support/poison-records.ts';
import { present } from './_shared.ts';
import { ThreadCpu } from './_thread-cpu.ts';

export interface Phase {
  readonly title: string;
  readonly round: number;
  readonly records: readonly PredictionRecord[];
  /** Records per second to put at, or undefined for as fast as PutRecords goes. */
  readonly rate?: number;
}

export interface Where {
  readonly stream: string;
  readonly results: string;
  readonly poison: string;
  readonly failures: string;
  readonly siteBucket: string;
}

export interface PhaseReport {
  readonly failed: boolean;
  readonly cells: string[];
  /** Per poison kind: "arrived with its reason / sent". */
  readonly kinds: Map<string, string>;
  /** First PutRecords → last result, records/s. */
  readonly endToEnd: number;
  /** CPU µs per record by thread name, first put → last result, most first. */
  readonly threads: [string, number][];
  /** Seconds the hypervisor took the machine's CPUs for others, first put → last result. */
  readonly stolen: number;
}

const fmt = (n: number) => n.toLocaleString('en');
const perSecond = (count: number, ms: number) => Math.round(count / (ms / 1000));

/** The measures, in the order of `PhaseReport.cells`. */
export const MEASURES = [
  'records (1 % poison, of 16 kinds)',
  'good records with a result',
  'good records lost',
  'results received twice: same resultId (redelivery) / another resultId',
  'poison in the poison queue with its reason',
  'batches given up (BatchFailures queue): batches / records',
  'trends.json: users scored in the round',
  'PutRecords of all records (reference)',
  'first PutRecords → last result',
  'latency PutRecords → SQS receive p50 / p99 / max',
  'load average (1 min) at the first put / at the end',
  'CPU of this process, all threads, first put → last result: per record / 2 cores ÷ that',
];

const load = () => (loadavg()[0] ?? 0).toFixed(1);

interface Received {
  readonly userId: number;
  readonly round: number;
  readonly resultId: string;
}

/**
 * The subscriber: receives result messages from `queueUrl` in a worker thread of its own
 * (_results-subscriber.ts) until stopped; `at` is when each was received (epoch ms). Where
 * results are read from changes with the product's fan-out; only this function knows.
 */
function receiveResults(cloud: LocalCloud, queueUrl: string, onResult: (r: Received, at: number) => void) {
  const worker = new Worker(new URL('./_results-subscriber.ts', import.meta.url), {
    name: 'bench subscriber',
    workerData: { queueUrl, config: sqsClientConfig(cloud) },
  });
  const stopped = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: (Received & { at: number })[] | 'stopped') => {
      if (message === 'stopped') resolve();
      else for (const r of message) onResult(r, r.at);
    });
    worker.on('error', reject);
  });
  return {
    async stop() {
      worker.postMessage('stop');
      await stopped;
      await worker.terminate();
    },
  };
}

async function deleteAll(sqs: SQSClient, queueUrl: string, messages: Message[]) {
  await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: present(m.ReceiptHandle, 'a receipt handle') })),
    }),
  );
}

/** Every message of a queue, its body parsed, until it stays empty for two receives. */
async function drainQueue(sqs: SQSClient, url: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let empty = 0; empty < 2;) {
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const messages = got.Messages ?? [];
    if (!messages.length) {
      empty++;
      continue;
    }
    out.push(...messages.map((m) => JSON.parse(present(m.Body, 'a message body')) as Record<string, unknown>));
    await deleteAll(sqs, url, messages);
  }
  return out;
}

/**
 * The producer, in a worker thread of its own (_producer.ts) so that its SDK work does not
 * queue behind the emulators on this thread: `go` starts the puts and resolves with when each
 * good user was put.
 */
async function startProducer(cloud: LocalCloud, stream: string, entries: BurstEntry[], rate: number | undefined) {
  const input: ProducerInput = {
    endpoint: cloud.endpoints.kinesis,
    region: cloud.region,
    credentials: { ...LOCAL_CREDENTIALS },
    stream,
    entries: entries.map(({ PartitionKey, Data, good }) => ({ PartitionKey, Data, userId: good?.userId })),
    ...(rate ? { rate } : {}),
  };
  const worker = new Worker(new URL('./_producer.ts', import.meta.url), {
    name: 'bench producer',
    workerData: input,
  });
  const messages = (async function* () {
    for (;;)
      yield await new Promise<unknown>((resolve, reject) => worker.once('message', resolve).once('error', reject));
  })();
  if ((await messages.next()).value !== 'ready') throw new Error('the producer thread did not start');
  return {
    async go(): Promise<{ putAt: Map<number, number>; started: number; putMs: number }> {
      worker.postMessage('go');
      const report = (await messages.next()).value as ProducerReport | { error: string };
      await worker.terminate();
      if ('error' in report) throw new Error(`the producer failed: ${report.error}`);
      return { putAt: new Map(report.putAt), started: report.started, putMs: report.putMs };
    },
  };
}

export async function runPhase(cloud: LocalCloud, where: Where, phase: Phase): Promise<PhaseReport> {
  const entries = burstWithPoison(phase.records);
  const good = entries.filter((e) => e.good).length;
  const resultIds = new Map<number, Set<string>>();
  const receivedAt: [number, number][] = [];
  let lastReceive = 0;
  const subscriber = receiveResults(cloud, where.results, (r, at) => {
    if (r.round !== phase.round) return;
    receivedAt.push([r.userId, at]);
    const ids = resultIds.get(r.userId) ?? new Set<string>();
    ids.add(r.resultId);
    resultIds.set(r.userId, ids);
    lastReceive = at;
  });
  const producer = await startProducer(cloud, where.stream, entries, phase.rate);
  const loadAtStart = load();
  // The whole local cloud runs in this process (emulators, pollers, functions' threads, the
  // subscriber), so its CPU time per record bounds the rate whatever else loads the machine.
  const cpuAtStart = process.cpuUsage();
  const threadCpu = new ThreadCpu();
  const sampling = setInterval(() => threadCpu.sample(), 100); // catches the producer's thread before it ends
  const put = await producer.go();
  const deadline = Date.now() + Math.max(120_000, phase.records.length * 5);
  while (resultIds.size < good && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const cpu = process.cpuUsage(cpuAtStart);
  clearInterval(sampling);
  const threads = threadCpu.byName().map(([name, s]): [string, number] => [name, (s * 1e6) / entries.length]);
  const stolen = threadCpu.stolen();
  const cpuPerRecordUs = (cpu.user + cpu.system) / entries.length;
  await new Promise((r) => setTimeout(r, 2000)); // late redeliveries would show up here
  await subscriber.stop();
  const loadAtEnd = load();
  await cloud.idle();

  const poison = await poisonByKind(cloud, where, entries);
  const givenUp = await drainQueue(cloud.clients.sqs, where.failures);
  const givenUpRecords = givenUp.reduce(
    (n, f) => n + Number((f.KinesisBatchInfo as { batchSize?: number } | undefined)?.batchSize ?? 0),
    0,
  );
  const trendScored = await scoredInTrends(cloud, where.siteBucket, phase.round);
  const sets = [...resultIds.values()];
  const lost = good - resultIds.size;
  const twiceOther = sets.filter((s) => s.size > 1).length;
  const twiceSame = receivedAt.length - sets.reduce((n, s) => n + s.size, 0);
  const latencies = receivedAt.map(([userId, at]) => at - (put.putAt.get(userId) ?? at)).sort((a, b) => a - b);
  const q = (p: number) =>
    ((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN) / 1000).toFixed(2);
  const endToEnd = lastReceive - put.started;
  const poisonSent = entries.length - good;
  return {
    failed: lost > 0 || twiceOther > 0 || poison.arrived < poisonSent || trendScored !== good,
    cells: [
      `${fmt(entries.length)} (${fmt(poisonSent)})`,
      `${fmt(resultIds.size)} of ${fmt(good)}`,
      fmt(lost),
      `${fmt(twiceSame)} / ${fmt(twiceOther)}`,
      `${fmt(poison.arrived)} of ${fmt(poisonSent)}`,
      `${fmt(givenUp.length)} / ${fmt(givenUpRecords)}`,
      `${trendScored === undefined ? 'none' : fmt(trendScored)} of ${fmt(good)}`,
      `${(put.putMs / 1000).toFixed(1)} s, ${fmt(perSecond(entries.length, put.putMs))} records/s`,
      `${(endToEnd / 1000).toFixed(1)} s, ${fmt(perSecond(entries.length, endToEnd))} records/s (${(endToEnd / put.putMs).toFixed(2)}× put)`,
      `${q(0.5)} / ${q(0.99)} / ${q(1)} s`,
      `${loadAtStart} / ${loadAtEnd}`,
      `${Math.round(cpuPerRecordUs)} µs / ${fmt(Math.round(2e6 / cpuPerRecordUs))} records/s`,
    ],
    kinds: poison.kinds,
    endToEnd: perSecond(entries.length, endToEnd),
    threads,
    stolen,
  };
}

/** The poison queue drained: per kind, how many arrived with the reason that kind should get, of how many sent. */
async function poisonByKind(cloud: LocalCloud, where: Where, entries: BurstEntry[]) {
  const messages = await drainQueue(cloud.clients.sqs, where.poison);
  const codeByKey = new Map(messages.map((m) => [m.partitionKey, (m.reason as { code?: string } | undefined)?.code]));
  const tally = new Map<string, { sent: number; arrived: number; code: string }>();
  let arrived = 0;
  for (const e of entries) {
    if (!e.poison) continue;
    const t = tally.get(e.poison.name) ?? { sent: 0, arrived: 0, code: e.poison.code };
    t.sent++;
    if (codeByKey.get(e.PartitionKey) === e.poison.code) {
      t.arrived++;
      arrived++;
    }
    tally.set(e.poison.name, t);
  }
  const kinds = new Map([...tally].map(([name, t]) => [`${name} → ${t.code}`, `${t.arrived} / ${t.sent}`]));
  return { arrived, kinds };
}

async function scoredInTrends(cloud: LocalCloud, siteBucket: string, round: number): Promise<number | undefined> {
  try {
    const got = await cloud.clients.s3.send(new GetObjectCommand({ Bucket: siteBucket, Key: 'data/trends.json' }));
    const trends = JSON.parse(await present(got.Body, 'the body of trends.json').transformToString()) as {
      rounds: { round: number; scored: number }[];
    };
    return trends.rounds.find((r) => r.round === round)?.scored;
  } catch {
    return undefined;
  }
}

/**
 * The two tables: the measures by phase (with end to end against `handlerAlone`, the
 * handler's records/s with an SNS that accepts at once, measured in the same run), then the
 * poison kinds by phase.
 */
export function printReports(phases: readonly Phase[], reports: readonly PhaseReport[], handlerAlone: number): void {
  console.log('| measure | ' + phases.map((p) => p.title).join(' | ') + ' |');
  console.log('| --- | ' + phases.map(() => '---').join(' | ') + ' |');
  MEASURES.forEach((label, i) => console.log(`| ${label} | ${reports.map((r) => r.cells[i]).join(' | ')} |`));
  const ratio = (r: PhaseReport) => `${(r.endToEnd / handlerAlone).toFixed(3)} (${fmt(handlerAlone)} records/s alone)`;
  console.log(`| end to end ÷ predict handler alone (SNS accepting at once) | ${reports.map(ratio).join(' | ')} |`);
  console.log('\n| poison kind → reason expected | ' + phases.map((p) => p.title).join(' | ') + ' |');
  console.log('| --- | ' + phases.map(() => '---').join(' | ') + ' |');
  for (const kind of reports[0]?.kinds.keys() ?? [])
    console.log(`| ${kind} | ${reports.map((r) => r.kinds.get(kind) ?? '0 / 0').join(' | ')} |`);
  printThreads(phases, reports);
}

/** Where the CPU went: µs per record by thread, threads named as the local cloud names them. */
function printThreads(phases: readonly Phase[], reports: readonly PhaseReport[]): void {
  const names = [...new Set(reports.flatMap((r) => r.threads.map(([name]) => name)))];
  if (!names.length) return; // no /proc here
  console.log(
    '\nCPU per record by thread, first put → last result (from /proc; MainThread: fauxqs, the pollers and ' +
      "the runtime; functions' environments by their logical id, cut to 15 characters; V8Worker: GC and compiling)",
  );
  console.log('| thread | ' + phases.map((p) => p.title).join(' | ') + ' |');
  console.log('| --- | ' + phases.map(() => '---').join(' | ') + ' |');
  const cell = (r: PhaseReport, name: string) => `${(r.threads.find(([n]) => n === name)?.[1] ?? 0).toFixed(0)} µs`;
  for (const name of names) console.log(`| ${name} | ${reports.map((r) => cell(r, name)).join(' | ')} |`);
  console.log(
    `| (stolen by the hypervisor, whole machine) | ${reports.map((r) => `${r.stolen.toFixed(1)} s`).join(' | ')} |`,
  );
}
