/**
 * Test material for prediction: a tiny real model (trained by the training flow's engine:
 * retained ⇔ pc > 2), publishing it the way the training flow does, feature records, and
 * Kinesis events read back from the emulated stream (real sequence numbers and shard ids).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateTopicCommand,
  SubscribeCommand,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { FEATURES, DEFAULT_CATEGORIES, categoryName, featureCategories, featureIndex } from '#core/schema.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import type { PredictionRecord } from '#core/prediction/record.ts';
import { parseResultsMessage, type PredictionResult, type ResultsMessage } from '#core/prediction/result.ts';
import { waitFor } from '#test/support/wait-for.ts';
import { defined } from '#test/support/defined.ts';

/** Features of one user: counts from the user id so tests can predict the outcome (pc > 2 → retained). */
export function features(userId: number, pc = userId % 6): Record<string, string | number> {
  return {
    // Not userId % 6: that would copy pc's cycle, and a forest may then learn industry instead of pc.
    industry: categoryName(DEFAULT_CATEGORIES, 'industry', Math.floor(userId / 6) % 6),
    region: categoryName(DEFAULT_CATEGORIES, 'region', userId % 8),
    social_type: categoryName(DEFAULT_CATEGORIES, 'social_type', userId % 3),
    iphone: userId % 3,
    android: 0,
    pc,
    ipad: 0,
    other: 0,
    customize_tpl: 1,
    download_tpl: 0,
    share_tpl: 0,
    inspect: 2,
    view_report: 1,
    share_report: 0,
    cancel_inspection: 0,
    gender: userId % 2,
    age: 20 + (userId % 40),
  };
}

export const record = (userId: number, round: number, pc?: number): PredictionRecord => ({
  userId,
  round,
  features: features(userId, pc),
});

/** A forest that learned "retained ⇔ pc > 2" from 600 users. */
export async function trainTinyModel(seed = 1): Promise<string> {
  const rows = 600;
  const users = Array.from({ length: rows }, (_, r) => features(r + 1));
  // Categories as indices (gender's list is "0", "1"), counts and age as they are.
  const columns = FEATURES.map((spec) =>
    Float32Array.from(users, (f) =>
      spec.kind === 'categorical' ? featureCategories(spec).indexOf(String(f[spec.name])) : Number(f[spec.name]),
    ),
  );
  const pc = defined(columns[featureIndex('pc')], 'the pc column');
  const labels = Uint8Array.from(pc, (v) => (v > 2 ? 1 : 0));
  const trained = await forestEngine.train(
    { rows, columns, labels },
    { numTrees: 5, maxDepth: 3, seed, featureSubsetStrategy: 'all' },
    { threads: 1 },
  );
  return trained.modelJson;
}

/** Publishes a model as the training flow does: the version's model.json, then the pointer. */
export async function publishModel(s3: S3Client, bucket: string, version: string, modelJson: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `models/${version}/model.json`, Body: modelJson }));
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: 'models/current.json',
      Body: JSON.stringify({ formatVersion: 1, version, publishedAt: new Date().toISOString() }),
    }),
  );
}

export async function createStream(kinesis: KinesisClient, name: string): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  await waitFor(
    async () => {
      const d = await kinesis.send(new DescribeStreamCommand({ StreamName: name }));
      return d.StreamDescription?.StreamStatus === 'ACTIVE';
    },
    { what: `stream ${name} to become active`, timeoutMs: 2000, intervalMs: 20 },
  );
}

/** Every record on the stream's one shard, as the KinesisStreamEvent Lambda would get. */
export async function readEvent(
  kinesis: KinesisClient,
  streamName: string,
  region = 'us-east-1',
): Promise<KinesisStreamEvent> {
  const d = await kinesis.send(new DescribeStreamCommand({ StreamName: streamName }));
  const shardId = defined(d.StreamDescription?.Shards?.[0]?.ShardId, `the shard of stream ${streamName}`);
  const arn = defined(d.StreamDescription?.StreamARN, `the ARN of stream ${streamName}`);
  let iterator = (
    await kinesis.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    )
  ).ShardIterator;
  const Records: KinesisStreamEvent['Records'] = [];
  while (iterator) {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    for (const r of page.Records ?? []) {
      Records.push({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: defined(r.PartitionKey, 'a record partition key'),
          sequenceNumber: defined(r.SequenceNumber, 'a record sequence number'),
          data: Buffer.from(defined(r.Data, 'a record data')).toString('base64'),
          approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shardId}:${r.SequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/predict',
        awsRegion: region,
        eventSourceARN: arn,
      });
    }
    if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break;
    iterator = page.NextShardIterator;
  }
  return { Records };
}

/** A results topic with `queueUrl` subscribed (raw delivery), as the stack wires them; returns the topic ARN. */
export async function resultsTopicInto(sns: SNSClient, sqs: SQSClient, queueUrl: string): Promise<string> {
  const topic = await sns.send(new CreateTopicCommand({ Name: 'results' }));
  const queue = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const topicArn = defined(topic.TopicArn, 'the results topic ARN');
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: defined(queue.Attributes?.QueueArn, `the ARN of ${queueUrl}`),
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return topicArn;
}

/** One receive (up to 10 messages, 1 s long poll) from `url`, deleted once read; the bodies parsed as `T`. */
export async function receiveBatch<T>(sqs: SQSClient, url: string): Promise<T[]> {
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  const messages = got.Messages ?? [];
  if (messages.length === 0) return [];
  await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: url,
      Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: defined(m.ReceiptHandle, 'a receipt handle') })),
    }),
  );
  return messages.map((m) => JSON.parse(defined(m.Body, 'a message body')) as T);
}

/** The users whose results a PublishBatch entry (a results message) carries. */
export function usersIn(entry: PublishBatchRequestEntry): number[] {
  return parseResultsMessage(defined(entry.Message, 'a message')).map((r) => r.userId);
}

/** One receive from a results queue (deleted once read): every result its messages carry. */
export async function receiveResults(sqs: SQSClient, url: string): Promise<PredictionResult[]> {
  return (await receiveBatch<ResultsMessage>(sqs, url)).flatMap((m) => m.results);
}
