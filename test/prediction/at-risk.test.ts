/**
 * The at-risk list end to end on the emulators: the real predict handler writes its trend
 * parts, the real trends handler merges them into the site's data/at-risk.json. The list is
 * the round's least-likely users first, bounded, each user once even when a batch is
 * delivered twice, and only the latest round's; reasons are carried when parts have them,
 * and an old format 1 part still counts (its round's expected figure unknown).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import type { S3Event } from 'aws-lambda';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { createPredictHandler } from '#handlers/prediction/predict.ts';
import { createTrendsHandler } from '#handlers/prediction/trends.ts';
import { ModelCache } from '#aws/prediction/model-cache.ts';
import { putEntries } from '#aws/prediction/kinesis-producer.ts';
import { encodeEventKey } from '#infra/local/s3-event.ts';
import type { AtRiskDocument } from '#core/prediction/at-risk.ts';
import type { PredictionResult } from '#core/prediction/result.ts';
import { roundLedgerKey, trendPart, trendPartKey, type TrendsDocument } from '#core/prediction/trends.ts';
import {
  createStream,
  features,
  publishModel,
  readEvent,
  receiveResults,
  record,
  resultsTopicInto,
  trainTinyModel,
} from './fixtures.ts';
import { defined } from '#test/support/defined.ts';

const SIZE = 5;

describe('at-risk list on emulated Kinesis, SNS, SQS and S3', () => {
  let local: TestEmulators;
  let resultsUrl: string;
  let poisonUrl: string;
  let topicArn: string;
  let stream = 0;

  beforeAll(async () => {
    local = await startTestEmulators();
    for (const Bucket of ['data', 'site']) await local.s3.send(new CreateBucketCommand({ Bucket }));
    const queue = async (QueueName: string) =>
      defined((await local.sqs.send(new CreateQueueCommand({ QueueName }))).QueueUrl, `queue ${QueueName}`);
    resultsUrl = await queue('results');
    poisonUrl = await queue('poison');
    topicArn = await resultsTopicInto(local.sns, local.sqs, resultsUrl);
    await publishModel(local.s3, 'data', 'v1', await trainTinyModel(1));
  });
  afterAll(() => local?.stop());

  beforeEach(async () => {
    await local.sqs.send(new PurgeQueueCommand({ QueueUrl: resultsUrl }));
    for (const [Bucket, Prefix] of [
      ['data', 'predictions/'],
      ['site', 'data/'],
    ] as const) {
      const listed = await local.s3.send(new ListObjectsV2Command({ Bucket, Prefix }));
      for (const o of listed.Contents ?? []) await local.s3.send(new DeleteObjectCommand({ Bucket, Key: o.Key }));
    }
  });

  const predict = () =>
    createPredictHandler({
      s3: local.s3,
      sqs: local.sqs,
      sns: local.sns,
      dataBucket: 'data',
      resultsTopicArn: topicArn,
      poisonQueueUrl: poisonUrl,
      models: new ModelCache({ s3: local.s3, bucket: 'data', refreshSeconds: 60 }),
      sqsRetry: { baseDelayMs: 1 },
      atRiskSize: SIZE,
    });

  /** One Kinesis event (real sequence numbers) with these users of the round. */
  async function batchOf(users: readonly number[], round: number) {
    const name = `at-risk-${stream++}`;
    await createStream(local.kinesis, name);
    await putEntries(
      local.kinesis,
      name,
      users.map((u) => ({ PartitionKey: String(u), Data: new TextEncoder().encode(JSON.stringify(record(u, round))) })),
    );
    const event = await readEvent(local.kinesis, name);
    await local.kinesis.send(new DeleteStreamCommand({ StreamName: name }));
    return event;
  }

  /** The trends handler, told of every part there is (as S3 notifications would). */
  async function countParts(): Promise<void> {
    const listed = await local.s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'predictions/trends/' }));
    const Records = (listed.Contents ?? []).map((o) => ({
      s3: { object: { key: encodeEventKey(defined(o.Key, 'a key')) } },
    }));
    await createTrendsHandler({ s3: local.s3, dataBucket: 'data', siteBucket: 'site', atRiskSize: SIZE })({
      Records,
    } as unknown as S3Event);
  }

  async function readJson<T>(Bucket: string, Key: string): Promise<T> {
    const got = await local.s3.send(new GetObjectCommand({ Bucket, Key }));
    return JSON.parse(await defined(got.Body, Key).transformToString()) as T;
  }
  const atRisk = () => readJson<AtRiskDocument>('site', 'data/at-risk.json');

  async function results(): Promise<PredictionResult[]> {
    const all: PredictionResult[] = [];
    for (let got = await receiveResults(local.sqs, resultsUrl); got.length > 0;) {
      all.push(...got);
      got = await receiveResults(local.sqs, resultsUrl);
    }
    return all;
  }

  it("lists the round's least-likely users first, bounded, each once when a batch is delivered twice", async () => {
    // Two consecutive batches of one shard (as Lambda reads them): the first 30 users, then the next 30.
    const event = await batchOf(
      Array.from({ length: 60 }, (_, i) => i + 1),
      5,
    );
    const first = { Records: event.Records.slice(0, 30) };
    const second = { Records: event.Records.slice(30) };
    await predict()(first);
    await predict()(second);
    await countParts();
    const before = await atRisk();

    // The first batch again (its invocation failed after writing its part): the part is rewritten.
    await predict()(first);
    await countParts();
    const after = await atRisk();
    expect(after.users).toEqual(before.users);

    // What the list must be, from the result messages themselves: one per user, lowest first.
    const messages = await results();
    const scored = new Map(messages.map((r) => [r.userId, r.probability]));
    const reasonsOf = new Map(messages.map((r) => [r.userId, r.reasons]));
    expect(scored.size).toBe(60);
    const expected = [...scored]
      .sort((a, b) => a[1] - b[1] || a[0] - b[0])
      .slice(0, SIZE)
      .map(([userId, probability]) => ({ userId, probability }));
    expect(after.users.map(({ userId, probability }) => ({ userId, probability }))).toEqual(expected);
    expect(new Set(after.users.map((u) => u.userId)).size).toBe(SIZE);
    expect(after).toMatchObject({ formatVersion: 1, round: 5, modelVersion: 'v1', scored: 60, limit: SIZE });
    // The filters' fields come from the records; the reasons are the results' own.
    for (const u of after.users) {
      expect(u).toMatchObject({ industry: features(u.userId).industry, region: features(u.userId).region });
      expect(u.reasons).toEqual(reasonsOf.get(u.userId));
    }
    expect(after.users.every((u) => (u.reasons?.length ?? 0) > 0)).toBe(true);
    // The most at-risk users are below 0.5, and the list is really ordered by probability.
    const probabilities = after.users.map((u) => u.probability);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => a - b));
    expect(Math.max(...probabilities)).toBeLessThan(0.5);
  });

  it("keeps one round's list apart from another's: data/at-risk.json is the latest round", async () => {
    // Round 1 first has users likely to stay (pc > 2), so the late ones at risk (pc ≤ 1) must enter its list.
    await predict()(await batchOf([3, 4, 5, 9, 10, 11], 1));
    await countParts();
    expect((await atRisk()).round).toBe(1);

    const roundTwo = [100, 101, 102, 103, 104, 105, 106, 107, 108];
    await predict()(await batchOf(roundTwo, 2));
    await countParts();
    const latest = await atRisk();
    expect(latest.round).toBe(2);
    expect(latest.users.every((u) => roundTwo.includes(u.userId))).toBe(true);

    // A late batch of round 1 goes into round 1's list (its ledger), not into the latest round's.
    await predict()(await batchOf([204, 205], 1));
    await countParts();
    expect(await atRisk()).toEqual(latest);
    const ledger = await readJson<{ atRisk: { userId: number }[] }>('data', roundLedgerKey(1));
    expect(ledger.atRisk.slice(0, 2).map((u) => u.userId)).toEqual([204, 205]);
    expect(ledger.atRisk.every((u) => !roundTwo.includes(u.userId))).toBe(true);
  });

  it('carries reasons when parts have them, and still counts a format 1 part (expected figure unknown)', async () => {
    const reasons = [
      { feature: 'pc', value: 0, contribution: -0.21 },
      { feature: 'age', value: 41, contribution: 0.03 },
    ];
    const withReasons = trendPart(
      { round: 9, scored: 2, retained: 1, expectedRetained: 0.6 },
      'shardId-0',
      '10',
      new Date(),
      {
        modelVersion: 'v1',
        atRisk: [
          { userId: 7, probability: 0.1, reasons, industry: 'BANK', region: 'US-CA' },
          { userId: 8, probability: 0.5 },
        ],
      },
    );
    const put = (key: string, body: object) =>
      local.s3.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: JSON.stringify(body) }));
    await put(trendPartKey(9, 'shardId-0', '10'), withReasons);
    // As the predict Lambda wrote parts before expected retained users and the list existed.
    await put(trendPartKey(9, 'shardId-0', '20'), {
      formatVersion: 1,
      round: 9,
      scored: 3,
      retained: 3,
      shardId: 'shardId-0',
      firstSequenceNumber: '20',
      writtenAt: new Date().toISOString(),
    });
    await countParts();
    const doc = await atRisk();
    expect(doc.users).toEqual([
      { userId: 7, probability: 0.1, reasons, industry: 'BANK', region: 'US-CA' },
      { userId: 8, probability: 0.5 },
    ]);
    expect(doc.scored).toBe(5);
    const trends = await readJson<TrendsDocument>('site', 'data/trends.json');
    expect(trends.rounds).toEqual([{ round: 9, scored: 5, retained: 4 }]);
  });
});
