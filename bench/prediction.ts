/**
 * Real-time prediction.
 *
 * 1. Handler throughput, in this process (records/s per invocation of 500 records):
 *    JSON.parse of the records alone (reference), validation + scoring (core), the whole
 *    predict handler with an SNS that accepts instantly (Powertools batch + scoring), and the
 *    handler publishing to the emulated SNS (fauxqs, fanned out to one queue) with its trend
 *    parts written to fauxqs S3.
 * 2. Through the local cloud (the product stack: stream → local poller → predict bundle →
 *    results topic → results queue): 100k records (--quick: 5k) with 1 % poison of 16 kinds (_prediction-burst.ts).
 *    Checks every good record has a result (redeliveries only with the same resultId), every
 *    poison record is in the poison queue with its reason, trends.json counts the round;
 *    latency PutRecords → SQS receive (p50/p99) and records/s end to end. Twice: a burst (as
 *    fast as PutRecords goes: throughput; its latency is mostly the backlog) and a paced run at
 *    500 records/s (10k; --quick 2k): latency when prediction keeps up.
 * The model is trained here by the engine training/forest-engine.ts binds (20 trees, depth 8).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent } from 'aws-lambda';
import { startEmulators, s3ClientConfig, snsClientConfig, sqsClientConfig } from '#infra/local/emulators.ts';
import { CreateTopicCommand, PublishBatchCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { startLocalCloud } from '#infra/local/cloud.ts';
import { dataBucket, siteBucket } from '#infra/local/stages/resources.ts';
import { PREDICTION_OUTPUTS } from '#infra/constructs/prediction.ts';
import { DEFAULT_CATEGORIES, FEATURES } from '#core/schema.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import { parseRecord, prepareModel, type PredictionRecord } from '#core/prediction/index.ts';
import { createPredictHandler } from '#handlers/prediction/predict.ts';
import { S3Client as S3 } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import type { BenchOptions } from './run.ts';
import { present } from './_shared.ts';
import { printReports, runPhase, type Phase } from './_prediction-burst.ts';

const BATCH = 500;

/**
 * The stream and mapping the local cloud runs with (CDK context, as `cdk deploy -c` takes
 * it): what docs/prediction.md ("Capacity") recommends for the burst's goal of 5,000
 * records/s. `RETENTION_BENCH_CONTEXT` (JSON) replaces it, to compare settings.
 */
const STREAM_CONTEXT: Record<string, unknown> = process.env.RETENTION_BENCH_CONTEXT
  ? (JSON.parse(process.env.RETENTION_BENCH_CONTEXT) as Record<string, unknown>)
  : { 'retention:prediction:shardCount': 6, 'retention:prediction:parallelizationFactor': 1 };
/** `RETENTION_BENCH_BURST_ONLY=1` runs the burst alone (no paced phase), to compare changes faster. */
const BURST_ONLY = process.env.RETENTION_BENCH_BURST_ONLY === '1';
/** Execution environments a function may have at once (the local runtime's default is 2). */
const ENVIRONMENTS = Number(process.env.RETENTION_BENCH_ENVIRONMENTS ?? 4);
const encoder = new TextEncoder();

function generator(seed: number) {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

function makeRecords(count: number, round: number, seed = 1): PredictionRecord[] {
  const random = generator(seed);
  const pick = <T>(list: readonly T[]) => present(list[Math.floor(random() * list.length)], 'a value of an empty list');
  const n = (max: number) => Math.floor(random() * max);
  return Array.from({ length: count }, (_, i) => ({
    userId: i + 1,
    round,
    features: {
      industry: pick(DEFAULT_CATEGORIES.industry),
      region: pick(DEFAULT_CATEGORIES.region),
      social_type: pick(DEFAULT_CATEGORIES.social_type),
      iphone: n(5),
      android: n(5),
      pc: n(8),
      ipad: n(3),
      other: n(2),
      customize_tpl: n(4),
      download_tpl: n(4),
      share_tpl: n(3),
      inspect: n(10),
      view_report: n(6),
      share_report: n(3),
      cancel_inspection: n(2),
      gender: n(2),
      age: 20 + n(51),
    },
  }));
}

async function trainModel(): Promise<string> {
  const records = makeRecords(5000, 0, 99);
  const columns = FEATURES.map(() => new Float32Array(records.length));
  const labels = new Uint8Array(records.length);
  records.forEach((r, row) => {
    const parsed = parseRecord(encoder.encode(JSON.stringify(r)), prepareModelFeatures);
    if (!parsed.ok) throw new Error(parsed.reason.detail);
    parsed.row.forEach((v, f) => (present(columns[f], `feature column ${f}`)[row] = v));
    labels[row] = Number(r.features.pc) + Number(r.features.inspect) / 2 > 5 ? 1 : 0;
  });
  const trained = await forestEngine.train(
    { rows: records.length, columns, labels },
    { numTrees: 20, maxDepth: 8, seed: 3 },
    { threads: 1 },
  );
  return trained.modelJson;
}
const prepareModelFeatures = FEATURES.map((f) =>
  f.kind === 'categorical'
    ? {
        name: f.name,
        kind: f.kind,
        values:
          f.categories === 'gender' ? ['0', '1'] : DEFAULT_CATEGORIES[f.categories as keyof typeof DEFAULT_CATEGORIES],
      }
    : { name: f.name, kind: f.kind },
);

function kinesisEvent(records: PredictionRecord[], batchIndex: number): KinesisStreamEvent {
  return {
    Records: records.map((r, i) => {
      const sequenceNumber = String(10n ** 20n + BigInt(batchIndex * BATCH + i));
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: String(r.userId),
          sequenceNumber,
          data: Buffer.from(JSON.stringify(r)).toString('base64'),
          approximateArrivalTimestamp: Date.now() / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
        awsRegion: 'us-east-1',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
      };
    }),
  };
}

const perSecond = (count: number, ms: number) => Math.round(count / (ms / 1000));
const fmt = (n: number) => n.toLocaleString('en');

/** Prints the handler's table; returns the records/s of the handler with an SNS accepting at once. */
async function handlerThroughput(modelJson: string, total: number): Promise<number> {
  const records = makeRecords(total, 0);
  const events = Array.from({ length: Math.ceil(total / BATCH) }, (_, b) =>
    kinesisEvent(records.slice(b * BATCH, (b + 1) * BATCH), b),
  );
  const model = prepareModel(modelJson, 'bench');
  const emulators = await startEmulators();
  const s3 = new S3(s3ClientConfig(emulators));
  const sqs = new SQSClient(sqsClientConfig(emulators));
  const sns = new SNSClient(snsClientConfig(emulators));
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'results' }));
    const topicArn = present((await sns.send(new CreateTopicCommand({ Name: 'results' }))).TopicArn, 'TopicArn');
    const queueArn = `arn:aws:sqs:${emulators.region}:000000000000:results`;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
    const poisonUrl = present((await sqs.send(new CreateQueueCommand({ QueueName: 'poison' }))).QueueUrl, 'QueueUrl');
    const models = { current: async () => model };
    const rows: { name: string; ms: number; cpuUs: number }[] = [];
    // Wall time, and CPU time of the whole process (fauxqs answers in this thread too): less swayed by the machine's load.
    const measure = async (name: string, work: () => unknown) => {
      const cpu = process.cpuUsage();
      const t = performance.now();
      await work();
      const used = process.cpuUsage(cpu);
      rows.push({ name, ms: performance.now() - t, cpuUs: used.user + used.system });
    };

    await measure('base64 + JSON.parse only (reference)', () => {
      for (const e of events) for (const r of e.Records) JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString());
    });
    await measure('validate + score (core)', () => {
      for (const e of events)
        model.score(
          e.Records.map((r) => {
            const p = parseRecord(Buffer.from(r.kinesis.data, 'base64'), model.features);
            if (!p.ok) throw new Error('bad');
            return p.row;
          }),
        );
    });

    // An SNS that accepts every entry at once: the handler's own cost (batching, Powertools, trends write).
    const instant = Object.create(sns) as SNSClient;
    instant.send = (async (command: Parameters<SNSClient['send']>[0]) =>
      command instanceof PublishBatchCommand
        ? {
            Successful: (command.input.PublishBatchRequestEntries as { Id: string }[]).map((e) => ({
              Id: e.Id,
              MessageId: e.Id,
            })),
            Failed: [],
          }
        : sns.send(command)) as SNSClient['send'];
    const deps = { s3, sqs, dataBucket: 'data', resultsTopicArn: topicArn, poisonQueueUrl: poisonUrl, models };
    const instantHandler = createPredictHandler({ ...deps, sns: instant, logger: silentLogger() });
    await measure('predict handler, SNS accepting instantly (S3 trend parts to fauxqs)', async () => {
      for (const e of events) await instantHandler(e);
    });
    const handler = createPredictHandler({ ...deps, sns, logger: silentLogger() });
    await measure('predict handler, PublishBatch to fauxqs (fan-out to 1 queue)', async () => {
      for (const e of events) await handler(e);
    });

    const reference = present(rows[0], 'the first measurement').ms;
    const alone = present(rows[2], 'the handler with an SNS accepting at once').ms;
    console.log(
      `\n### Handler throughput: ${fmt(total)} records in invocations of ${BATCH} (one after the other, this process)`,
    );
    console.log('| path | time | records/s | time vs JSON.parse only | CPU per record |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const r of rows)
      console.log(
        `| ${r.name} | ${(r.ms / 1000).toFixed(2)} s | ${fmt(perSecond(total, r.ms))} | ${(r.ms / reference).toFixed(1)}× | ${(r.cpuUs / total).toFixed(1)} µs |`,
      );
    console.log(
      `(load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')})`,
    );
    return perSecond(total, alone);
  } finally {
    s3.destroy();
    sqs.destroy();
    sns.destroy();
    await emulators.stop();
  }
}

/** The handler logs each poison record and failure; quiet here so the table stays readable. */
const silentLogger = () => new Logger({ logLevel: 'SILENT' });

async function throughLocalCloud(modelJson: string, phases: readonly Phase[], handlerAlone: number) {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-prediction-'));
  const invocations = new Map<string, { count: number; ms: number }>();
  let cloud;
  try {
    cloud = await startLocalCloud({
      stateDir,
      context: STREAM_CONTEXT,
      maxConcurrency: ENVIRONMENTS,
      onOutput: () => undefined,
      onActivity: (a) => {
        if (a.kind !== 'invoke') return;
        const t = invocations.get(a.function) ?? { count: 0, ms: 0 };
        t.count++;
        t.ms += a.durationMs;
        invocations.set(a.function, t);
      },
    });
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  try {
    const output = (name: string) => present(cloud.outputs[name], `the stack output ${name}`);
    const where = {
      stream: output(PREDICTION_OUTPUTS.stream),
      results: output(PREDICTION_OUTPUTS.results),
      poison: output(PREDICTION_OUTPUTS.poison),
      failures: output(PREDICTION_OUTPUTS.failures),
      siteBucket: siteBucket(cloud).name,
    };
    await publish(cloud.clients.s3, dataBucket(cloud).name, modelJson);
    const settings = cloud.template.eventSourceMappings.find((m) => m.sourceType === 'AWS::Kinesis::Stream');
    const shards = cloud.template.streams.map((s) => s.shardCount).join(', ');
    console.log(
      `\n### Through the local cloud (product stack; context ${JSON.stringify(STREAM_CONTEXT)}: ${shards} shard(s), ` +
        `parallelization factor ${settings?.parallelizationFactor ?? '?'}, batch size ${settings?.batchSize ?? '?'}, ` +
        `batching window ${settings?.maximumBatchingWindowSeconds ?? '?'} s; up to ${ENVIRONMENTS} environments a function)`,
    );
    const reports = [];
    for (const phase of phases) reports.push(await runPhase(cloud, where, phase));
    printReports(phases, reports, handlerAlone);
    console.log(
      `(invocations over both phases: ${[...invocations].map(([fn, t]) => `${fn} ${t.count} × ${(t.ms / t.count).toFixed(0)} ms mean, ${(t.ms / 1000).toFixed(1)} s in all`).join('; ')})`,
    );
    if (reports.some((r) => r.failed))
      throw new Error('records were lost, duplicated, misfiled or miscounted: see the tables');
  } finally {
    await cloud.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function publish(s3: S3Client, bucket: string, modelJson: string) {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'models/bench/model.json', Body: modelJson }));
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: 'models/current.json',
      Body: JSON.stringify({ formatVersion: 1, version: 'bench', publishedAt: new Date().toISOString() }),
    }),
  );
}

export async function run(opts: BenchOptions): Promise<void> {
  const modelJson = await trainModel();
  const engine = (JSON.parse(modelJson) as { engine?: string }).engine ?? 'forest';
  console.log(
    `model: ${engine} engine, 20 trees, depth ≤ 8, ${forestEngine.nodes(modelJson)} nodes; machine shared with other work`,
  );
  const handlerAlone = await handlerThroughput(modelJson, opts.quick ? 5_000 : 50_000);
  await throughLocalCloud(
    modelJson,
    [
      {
        title: 'burst: as fast as PutRecords goes',
        round: 0,
        records: makeRecords(opts.quick ? 5_000 : 100_000, 0, 1),
      },
      ...(BURST_ONLY
        ? []
        : [
            {
              title: 'paced: 500 records/s',
              round: 1,
              records: makeRecords(opts.quick ? 2_000 : 10_000, 1, 2),
              rate: 500,
            },
          ]),
    ],
    handlerAlone,
  );
}
