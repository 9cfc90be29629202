/**
 * The predict handler against emulated Kinesis (kinesalite), SNS, SQS and S3 (fauxqs) through
 * the real SDK: results published to a topic and received on a subscribed queue, a good batch,
 * poison records, a partial PublishBatch failure, model hot reload, no model
 * yet, and a retried batch that must not double count trends.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, DeleteObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishBatchCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import { startTestEmulators, snsClientConfig, type TestEmulators } from '#test/support/emulators.ts';
import { createPredictHandler, NoModelError } from '#handlers/prediction/predict.ts';
import { ModelCache } from '#aws/prediction/model-cache.ts';
import { putEntries } from '#aws/prediction/kinesis-producer.ts';
import { rebuildTrends } from '#aws/prediction/trend-parts.ts';
import { parseResultsMessage, type ResultsMessage } from '#core/prediction/result.ts';
import type { PoisonMessage } from '#core/prediction/poison.ts';
import { createStream, publishModel, readEvent, record, trainTinyModel, usersIn } from './fixtures.ts';
import { loadModel } from '#core/forest/model.ts';
import { oracleContributions } from '#test/forest/oracle.ts';
import { defined } from '#test/support/defined.ts';

describe('predict handler on emulated Kinesis, SNS, SQS and S3', () => {
  let local: TestEmulators;
  let modelA: string;
  let modelB: string;
  let resultsUrl: string;
  let topicArn: string;
  let poisonUrl: string;
  const data = 'data';
  const site = 'site';
  let stream = 0;

  beforeAll(async () => {
    local = await startTestEmulators();
    await local.s3.send(new CreateBucketCommand({ Bucket: data }));
    await local.s3.send(new CreateBucketCommand({ Bucket: site }));
    const created = (name: string) => local.sqs.send(new CreateQueueCommand({ QueueName: name }));
    resultsUrl = defined((await created('results')).QueueUrl, 'the results queue URL');
    poisonUrl = defined((await created('poison')).QueueUrl, 'the poison queue URL');
    topicArn = defined((await local.sns.send(new CreateTopicCommand({ Name: 'results' }))).TopicArn, 'a topic ARN');
    const queueArn = await local.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: resultsUrl, AttributeNames: ['QueueArn'] }),
    );
    await local.sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: defined(queueArn.Attributes?.QueueArn, 'the results queue ARN'),
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    [modelA, modelB] = await Promise.all([trainTinyModel(1), trainTinyModel(2)]);
  });
  afterAll(() => local?.stop());

  beforeEach(async () => {
    await local.sqs.send(new PurgeQueueCommand({ QueueUrl: resultsUrl }));
    await local.sqs.send(new PurgeQueueCommand({ QueueUrl: poisonUrl }));
    const parts = await local.s3.send(new ListObjectsV2Command({ Bucket: data, Prefix: 'predictions/' }));
    for (const o of parts.Contents ?? []) await local.s3.send(new DeleteObjectCommand({ Bucket: data, Key: o.Key }));
  });

  /** A fresh stream with these entries, read back as one Lambda event. */
  async function eventOf(entries: { data: string | object; key: string }[]) {
    const name = `s${stream++}`;
    await createStream(local.kinesis, name);
    await putEntries(
      local.kinesis,
      name,
      entries.map((e) => ({
        PartitionKey: e.key,
        Data: new TextEncoder().encode(typeof e.data === 'string' ? e.data : JSON.stringify(e.data)),
      })),
    );
    const event = await readEvent(local.kinesis, name);
    await local.kinesis.send(new DeleteStreamCommand({ StreamName: name }));
    return event;
  }

  function handlerWith(
    overrides: { sns?: SNSClient; models?: ModelCache; metrics?: Metrics; resultsPerMessage?: number } = {},
  ) {
    return createPredictHandler({
      resultsPerMessage: overrides.resultsPerMessage,
      metrics: overrides.metrics,
      s3: local.s3,
      sqs: local.sqs,
      sns: overrides.sns ?? local.sns,
      dataBucket: data,
      resultsTopicArn: topicArn,
      poisonQueueUrl: poisonUrl,
      models: overrides.models ?? new ModelCache({ s3: local.s3, bucket: data, refreshSeconds: 60 }),
      sqsRetry: { baseDelayMs: 1 },
    });
  }

  /** Every result on the results queue, with the attributes of the message that carried it. */
  async function drainResults(queueUrl: string) {
    const messages = await drain<unknown>(queueUrl);
    return messages.flatMap((m) =>
      parseResultsMessage(JSON.stringify(m.body)).map((body) => ({ body, attributes: m.attributes })),
    );
  }

  /** Every message on the queue, its body parsed as `Body`. */
  async function drain<Body>(
    queueUrl: string,
  ): Promise<{ body: Body; attributes: Record<string, string | undefined> }[]> {
    const out: { body: Body; attributes: Record<string, string | undefined> }[] = [];
    for (let empty = 0; empty < 2;) {
      const got = await local.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          WaitTimeSeconds: 0,
        }),
      );
      const messages = got.Messages ?? [];
      if (messages.length === 0) {
        empty++;
        continue;
      }
      for (const m of messages)
        out.push({
          body: JSON.parse(defined(m.Body, 'a message body')),
          attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])),
        });
      await local.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: defined(m.ReceiptHandle, 'a receipt handle'),
          })),
        }),
      );
    }
    return out;
  }

  async function trendParts() {
    const listed = await local.s3.send(new ListObjectsV2Command({ Bucket: data, Prefix: 'predictions/trends/' }));
    return Promise.all(
      (listed.Contents ?? []).map(async (o) => {
        const key = defined(o.Key, 'a listed key');
        const got = await local.s3.send(new GetObjectCommand({ Bucket: data, Key: key }));
        return { key, ...JSON.parse(await defined(got.Body, `the body of ${key}`).transformToString()) };
      }),
    );
  }

  it('fails the whole batch, with nothing sent, while no model is published', async () => {
    const event = await eventOf([{ key: '1', data: record(1, 0) }]);
    await expect(handlerWith()(event)).rejects.toBeInstanceOf(NoModelError);
    expect(await drainResults(resultsUrl)).toHaveLength(0);
  });

  it('scores a good batch: a result per user with its message attributes, and counts per round', async () => {
    await publishModel(local.s3, data, 'v1', modelA);
    const users = Array.from({ length: 25 }, (_, i) => i + 1);
    // Users of round 1 name the week their features are from; the result carries it back.
    const withWeek = (u: number) => (u <= 10 ? record(u, 0) : { ...record(u, 1), week: 3 });
    const event = await eventOf(users.map((u) => ({ key: String(u), data: withWeek(u) })));
    const response = await handlerWith()(event);
    expect(response.batchItemFailures).toEqual([]);
    const messages = await drainResults(resultsUrl);
    expect(messages.filter((m) => m.body.week === 3).length).toBe(15);
    expect(messages.filter((m) => m.body.week === undefined).length).toBe(10);
    expect(messages.map((m) => m.body.userId).sort((a, b) => a - b)).toEqual(users);
    for (const m of messages) {
      expect(m.body).toMatchObject({
        modelVersion: 'v1',
        round: m.body.userId <= 10 ? 0 : 1,
        retained: m.body.userId % 6 > 2,
      });
      expect(m.body.resultId).toMatch(/^[0-9a-f]{32}$/);
      expect(m.attributes).toEqual({ modelVersion: 'v1', round: String(m.body.round) });
    }
    const parts = await trendParts();
    expect(parts.map((p) => [p.round, p.scored, p.retained]).sort()).toEqual([
      [0, 10, users.filter((u) => u <= 10 && u % 6 > 2).length],
      [1, 15, users.filter((u) => u > 10 && u % 6 > 2).length],
    ]);
    expect(parts[0].key).toMatch(/^predictions\/trends\/round=0\/shardId-\d+-\d+\.json$/);
  });

  it('publishes results 100 to a message, a message per round and model, every user once', async () => {
    await publishModel(local.s3, data, 'v1', modelA);
    const users = Array.from({ length: 250 }, (_, i) => i + 1);
    const event = await eventOf(users.map((u) => ({ key: String(u), data: record(u, u <= 120 ? 0 : 1) })));
    expect((await handlerWith()(event)).batchItemFailures).toEqual([]);
    const messages = await drain<ResultsMessage>(resultsUrl);
    const shape = messages.map((m) => [m.attributes.round, m.body.results.length]);
    expect(shape.sort()).toEqual([
      ['0', 100],
      ['0', 20],
      ['1', 100],
      ['1', 30],
    ]);
    for (const m of messages)
      expect(new Set(m.body.results.map((r) => String(r.round)))).toEqual(new Set([m.attributes.round]));
    expect(messages.flatMap((m) => m.body.results.map((r) => r.userId)).sort((a, b) => a - b)).toEqual(users);
  });

  it('gives every result up to 3 reasons: the features that moved its probability most, with the values sent', async () => {
    await publishModel(local.s3, data, 'v1', modelA);
    const users = Array.from({ length: 12 }, (_, i) => i + 1);
    const event = await eventOf(users.map((u) => ({ key: String(u), data: record(u, 0) })));
    expect((await handlerWith()(event)).batchItemFailures).toEqual([]);
    const messages = await drainResults(resultsUrl);
    expect(messages).toHaveLength(users.length);
    const model = loadModel(modelA);
    for (const { body } of messages) {
      const sent = record(body.userId, 0).features;
      // The model's paths read plainly (test/forest/oracle.ts), for this user's row.
      const columns = model.schema.features.map((f) =>
        Float32Array.of(
          f.kind === 'categorical' ? (f.values ?? []).indexOf(String(sent[f.name])) : Number(sent[f.name]),
        ),
      );
      const expected = oracleContributions(model, columns, 0)
        .map((c, f) => ({ feature: defined(model.schema.features[f], 'a feature').name, c }))
        .filter((x) => x.c !== 0)
        .sort((a, b) => Math.abs(b.c) - Math.abs(a.c))
        .slice(0, 3);
      expect(body.reasons).toEqual(
        expected.map((x) => ({
          feature: x.feature,
          value: sent[x.feature],
          contribution: Math.round(x.c * 1e4) / 1e4,
        })),
      );
      // The model learned "retained ⇔ pc > 2": pc leads, and pushes the way of the answer.
      const [first] = defined(body.reasons, 'the reasons');
      expect(first).toMatchObject({ feature: 'pc', value: sent.pc });
      expect(Math.sign(defined(first, 'a first reason').contribution)).toBe(Number(sent.pc) > 2 ? 1 : -1);
    }
  });

  it('sends poison records to the dead-letter queue with reason and data, and does not block the batch', async () => {
    await publishModel(local.s3, data, 'v1', modelA);
    const event = await eventOf([
      { key: '1', data: record(1, 0) },
      { key: 'x', data: '{not json' },
      { key: '2', data: { userId: 2, round: 0, features: { ...record(2, 0).features, region: 'MARS' } } },
      { key: '3', data: record(3, 0) },
    ]);
    const response = await handlerWith()(event);
    expect(response.batchItemFailures).toEqual([]);
    expect((await drainResults(resultsUrl)).map((m) => m.body.userId).sort()).toEqual([1, 3]);
    const poison = (await drain<PoisonMessage>(poisonUrl)).map((m) => m.body);
    expect(poison.map((p) => p.reason.code).sort()).toEqual(['invalid_json', 'unknown_category']);
    const bad = defined(
      poison.find((p) => p.reason.code === 'invalid_json'),
      'the invalid_json poison message',
    );
    expect(bad.dataText).toBe('{not json');
    expect(Buffer.from(defined(bad.dataBase64, 'the whole data'), 'base64').toString()).toBe('{not json');
    expect(bad.sequenceNumber).toBe(event.Records[1]?.kinesis.sequenceNumber);
  });

  it('publishes again the entries PublishBatch reports as Failed until SNS accepts them', async () => {
    await publishModel(local.s3, data, 'v1', modelA);
    // Mock only here: no emulator can make PublishBatch fail some entries. The real client
    // publishes everything; the first time, the last 3 entries of each batch are withheld
    // and reported Failed (sender fault false, as throttling is).
    const real = new SNSClient(snsClientConfig(local));
    const firstTry = new Set<string>();
    const flaky = Object.create(real) as SNSClient;
    flaky.send = (async (command: Parameters<SNSClient['send']>[0]) => {
      if (command instanceof PublishBatchCommand) {
        const { input } = command as PublishBatchCommand;
        const entries = input.PublishBatchRequestEntries ?? [];
        const key = entries.map((e) => e.Message).join();
        if (!firstTry.has(key) && entries.length > 3) {
          firstTry.add(key);
          const kept = entries.slice(0, -3);
          const out = await real.send(new PublishBatchCommand({ ...input, PublishBatchRequestEntries: kept }));
          return {
            ...out,
            Failed: entries.slice(-3).map((e) => ({
              Id: defined(e.Id, 'an entry Id'),
              Code: 'Throttled',
              SenderFault: false,
              Message: 'slow down',
            })),
          };
        }
      }
      return real.send(command);
    }) as SNSClient['send'];
    const users = Array.from({ length: 23 }, (_, i) => i + 1);
    const event = await eventOf(users.map((u) => ({ key: String(u), data: record(u, 0) })));
    const response = await handlerWith({ sns: flaky, resultsPerMessage: 1 })(event);
    expect(firstTry.size).toBeGreaterThan(0);
    expect(response.batchItemFailures).toEqual([]);
    expect((await drainResults(resultsUrl)).map((m) => m.body.userId).sort((a, b) => a - b)).toEqual(users);
    real.destroy();
  });

  it('picks up a newly published model after the refresh interval (ETag changed)', async () => {
    await publishModel(local.s3, data, 'v1', modelA);
    let clock = 1_000_000;
    const models = new ModelCache({ s3: local.s3, bucket: data, refreshSeconds: 30, now: () => clock });
    const predict = handlerWith({ models });
    const event = await eventOf([{ key: '4', data: record(4, 0) }]);
    await predict(event);
    await publishModel(local.s3, data, 'v2', modelB);
    clock += 10_000; // within the interval: still v1, no S3 check
    await predict(event);
    clock += 25_000; // past it: the pointer's ETag changed → v2
    await predict(event);
    const versions = (await drainResults(resultsUrl)).map((m) => m.body.modelVersion);
    expect(versions.sort()).toEqual(['v1', 'v1', 'v2']);
  });

  it('does not double count trends when a batch is retried, whole or from its first failure', async () => {
    await publishModel(local.s3, data, 'v1', modelA);
    const users = Array.from({ length: 20 }, (_, i) => i + 1);
    const predict = handlerWith();

    // A: the same batch twice (the invocation failed after writing its part): overwritten.
    const whole = await eventOf(users.map((u) => ({ key: String(u), data: record(u, 7) })));
    await predict(whole);
    await predict(whole);

    // B: SNS refuses users 15.. (mock only here: no emulator refuses chosen entries), so the
    // batch reports them failed; Lambda re-delivers from the first failure with SNS healthy.
    const real = new SNSClient(snsClientConfig(local));
    const refusing = Object.create(real) as SNSClient;
    refusing.send = (async (command: Parameters<SNSClient['send']>[0]) => {
      if (!(command instanceof PublishBatchCommand)) return real.send(command);
      const entries = command.input.PublishBatchRequestEntries ?? [];
      const refused = entries.filter((e) => usersIn(e).some((u) => u >= 15));
      const kept = entries.filter((e) => !refused.includes(e));
      const out = kept.length
        ? await real.send(new PublishBatchCommand({ ...command.input, PublishBatchRequestEntries: kept }))
        : { Successful: [] };
      return {
        ...out,
        Failed: refused.map((e) => ({
          Id: defined(e.Id, 'an entry Id'),
          Code: 'InvalidParameter',
          SenderFault: true,
          Message: 'refused',
        })),
      };
    }) as SNSClient['send'];
    const partial = await eventOf(users.map((u) => ({ key: String(u), data: record(u, 8) })));
    // One result a message, so that SNS can refuse exactly users 15.. .
    const first = await handlerWith({ sns: refusing, resultsPerMessage: 1 })(partial);
    expect(first.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      partial.Records.slice(14).map((r) => r.kinesis.sequenceNumber),
    );
    await predict({ Records: partial.Records.slice(14) });
    real.destroy();

    const doc = await rebuildTrends(local.s3, data, site);
    const retainedOf = (list: number[]) => list.filter((u) => u % 6 > 2).length;
    expect(doc.rounds.map(({ round, scored, retained }) => ({ round, scored, retained }))).toEqual([
      { round: 7, scored: 20, retained: retainedOf(users) },
      { round: 8, scored: 20, retained: retainedOf(users) },
    ]);
    // Expected retained users: each user's probability once, however often its batch ran.
    const results = await drainResults(resultsUrl);
    for (const round of [7, 8]) {
      const once = new Map(
        results.filter((m) => m.body.round === round).map((m) => [m.body.userId, m.body.probability]),
      );
      const sum = [...once.values()].reduce((a, b) => a + b, 0);
      expect(doc.rounds.find((r) => r.round === round)?.expectedRetained).toBeCloseTo(sum, 5);
    }
    expect(await trendParts()).toHaveLength(3);
  });

  it('publishes metrics: records scored, poison records, and the model version in use', async () => {
    await publishModel(local.s3, data, 'v1', modelA);
    const entries: { key: string; data: string | object }[] = [1, 2, 3].map((u) => ({
      key: String(u),
      data: record(u, 0),
    }));
    const event = await eventOf([...entries, { key: 'x', data: 'nope' }]);
    // Powertools writes EMF lines to stdout: read them there.
    const lines: string[] = [];
    const spy = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    try {
      await handlerWith({ metrics: new Metrics({ namespace: 'RetentionForestTest', serviceName: 'predict' }) })(event);
    } finally {
      spy.mockRestore();
    }
    const emf = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l));
    const value = (name: string) => emf.find((m) => name in m)?.[name];
    expect(value('RecordsScored')).toBe(3);
    expect(value('PoisonRecords')).toBe(1);
    expect(emf.find((m) => 'ModelVersionInUse' in m)).toMatchObject({ modelVersion: 'v1', ModelVersionInUse: 1 });
  });
});
