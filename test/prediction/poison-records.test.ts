/**
 * No record can fail a batch: each kind of poison record, beside good ones, through the
 * predict handler against emulated Kinesis, SQS and S3 (kinesalite, fauxqs) with the real
 * SDK. Every poison record reaches the poison queue with its reason, whatever its size (a
 * big one kept in the data bucket, the message naming it); only a transient failure to send
 * fails a record, and only that record.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { createPredictHandler } from '#handlers/prediction/predict.ts';
import { ModelCache } from '#aws/prediction/model-cache.ts';
import { putEntries } from '#aws/prediction/kinesis-producer.ts';
import { messageBytes } from '#aws/prediction/sqs-batch.ts';
import type { PredictionModel } from '#core/prediction/model.ts';
import type { ResultsMessage } from '#core/prediction/result.ts';
import type { PoisonMessage } from '#core/prediction/poison.ts';
import {
  createStream,
  features,
  publishModel,
  readEvent,
  record,
  resultsTopicInto,
  trainTinyModel,
  usersIn,
} from './fixtures.ts';
import { defined } from '#test/support/defined.ts';

const data = 'data';
const good = (userId: number) => JSON.stringify(record(userId, 0));
const bytesOf = (text: string) => new TextEncoder().encode(text);
/** A record of `size` bytes: valid JSON, so only its size makes it poison. */
const padded = (userId: number, size: number) => {
  const head = `{"userId":${userId},"round":0,"pad":"`;
  return `${head}${'x'.repeat(size - head.length - 2)}"}`;
};

describe('poison records through the predict handler', () => {
  let local: TestEmulators;
  let resultsUrl: string;
  let topicArn: string;
  let poisonUrl: string;
  let stream = 0;

  beforeAll(async () => {
    local = await startTestEmulators();
    await local.s3.send(new CreateBucketCommand({ Bucket: data }));
    const created = (name: string) => local.sqs.send(new CreateQueueCommand({ QueueName: name }));
    resultsUrl = defined((await created('results')).QueueUrl, 'the results queue URL');
    poisonUrl = defined((await created('poison')).QueueUrl, 'the poison queue URL');
    topicArn = await resultsTopicInto(local.sns, local.sqs, resultsUrl);
    await publishModel(local.s3, data, 'v1', await trainTinyModel(1));
  });
  afterAll(() => local?.stop());

  beforeEach(async () => {
    await local.sqs.send(new PurgeQueueCommand({ QueueUrl: resultsUrl }));
    await local.sqs.send(new PurgeQueueCommand({ QueueUrl: poisonUrl }));
  });

  /** A fresh stream with these records (text or bytes), read back as one Lambda event. */
  async function eventOf(records: (string | Uint8Array)[]): Promise<KinesisStreamEvent> {
    const name = `poison-${stream++}`;
    await createStream(local.kinesis, name);
    const entries = records.map((r, i) => ({ PartitionKey: String(i), Data: typeof r === 'string' ? bytesOf(r) : r }));
    await putEntries(local.kinesis, name, entries);
    const event = await readEvent(local.kinesis, name);
    await local.kinesis.send(new DeleteStreamCommand({ StreamName: name }));
    expect(event.Records).toHaveLength(records.length);
    return event;
  }

  function handlerWith(overrides: {
    sqs?: SQSClient;
    sns?: SNSClient;
    s3?: S3Client;
    model?: (m: PredictionModel) => PredictionModel;
    logger?: Logger;
    resultsPerMessage?: number;
  }) {
    const cache = new ModelCache({ s3: local.s3, bucket: data, refreshSeconds: 60 });
    const wrap = overrides.model;
    return createPredictHandler({
      resultsPerMessage: overrides.resultsPerMessage,
      s3: overrides.s3 ?? local.s3,
      sqs: overrides.sqs ?? local.sqs,
      dataBucket: data,
      sns: overrides.sns ?? local.sns,
      resultsTopicArn: topicArn,
      poisonQueueUrl: poisonUrl,
      models: wrap ? { current: async () => wrap(defined(await cache.current(), 'the model')) } : cache,
      sqsRetry: { baseDelayMs: 1, maxAttempts: 3 },
      ...(overrides.logger ? { logger: overrides.logger } : {}),
    });
  }

  async function drain<Body>(queueUrl: string): Promise<Body[]> {
    const out: Body[] = [];
    for (let empty = 0; empty < 2;) {
      const got = await local.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      const messages = got.Messages ?? [];
      if (messages.length === 0) {
        empty++;
        continue;
      }
      out.push(...messages.map((m) => JSON.parse(defined(m.Body, 'a message body')) as Body));
      await local.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: defined(m.ReceiptHandle, 'a handle') })),
        }),
      );
    }
    return out;
  }

  const resultUsers = async () =>
    (await drain<ResultsMessage>(resultsUrl)).flatMap((m) => m.results.map((r) => r.userId)).sort((a, b) => a - b);

  /** Runs the records between two good ones; returns the poison messages, checking the good ones came through. */
  async function poisonOf(records: (string | Uint8Array)[]): Promise<PoisonMessage[]> {
    const event = await eventOf([good(1), ...records, good(2)]);
    const response = await handlerWith({})(event);
    expect(response.batchItemFailures).toEqual([]);
    expect(await resultUsers()).toEqual([1, 2]);
    const poison = await drain<PoisonMessage>(poisonUrl);
    expect(poison).toHaveLength(records.length);
    return poison;
  }

  it('a 14 KB record whose userId is 7,000 nested arrays: bad_user_id with a short detail', async () => {
    const nested = `${'['.repeat(7000)}${']'.repeat(7000)}`;
    const [p] = await poisonOf([`{"userId":${nested},"round":0,"features":{}}`]);
    expect(p?.reason).toEqual({ code: 'bad_user_id', detail: 'userId must be a whole number ≥ 0, got [[[[…]]]]' });
    expect(p?.dataBytes).toBeGreaterThan(14_000);
  });

  it('a ~900 KB record: too_large, kept whole in the data bucket, the message naming its key', async () => {
    const big = padded(3, 900_000);
    const [p] = await poisonOf([big]);
    expect(p?.reason.code).toBe('too_large');
    expect(p).toMatchObject({ dataBytes: 900_000, dataKey: `poison/${p?.dataSha256}` });
    expect(p?.dataBase64).toBeUndefined();
    expect(Buffer.from(defined(p?.dataPrefixBase64, 'the prefix'), 'base64').toString()).toBe(big.slice(0, 4096));
    const kept = await local.s3.send(new GetObjectCommand({ Bucket: data, Key: defined(p?.dataKey, 'the key') }));
    expect(Buffer.from(await defined(kept.Body, 'the kept record').transformToByteArray()).toString()).toBe(big);
  });

  it('ten 120 KB poison records in one batch: all in the queue whole, requests split by bytes', async () => {
    const batches: number[] = [];
    const watched = Object.create(local.sqs) as SQSClient;
    // Not a mock: every request goes to fauxqs as sent; this only measures them on the way.
    watched.send = ((command: Parameters<SQSClient['send']>[0]) => {
      if (command instanceof SendMessageBatchCommand)
        batches.push((command.input.Entries ?? []).reduce((sum, e) => sum + messageBytes(e), 0));
      return local.sqs.send(command);
    }) as SQSClient['send'];
    const bigOnes = Array.from({ length: 10 }, (_, i) => padded(100 + i, 120_000));
    const event = await eventOf([good(1), ...bigOnes, good(2)]);
    expect((await handlerWith({ sqs: watched })(event)).batchItemFailures).toEqual([]);
    const poison = await drain<PoisonMessage>(poisonUrl);
    expect(poison.map((p) => Buffer.from(p.dataBase64 ?? '', 'base64').toString()).sort()).toEqual(bigOnes.sort());
    expect(poison.every((p) => p.reason.code === 'too_large' && p.dataKey === undefined)).toBe(true);
    expect(Math.max(...batches)).toBeLessThanOrEqual(240 * 1024);
    expect(batches.reduce((a, b) => a + b, 0)).toBeGreaterThan(10 * 120_000); // all ten went, base64 and all
    expect(await resultUsers()).toEqual([1, 2]);
  });

  it('binary garbage, an empty record, invalid JSON: each poison with its reason and its bytes', async () => {
    const garbage = Uint8Array.from([0xff, 0x00, 0xfe, 0x80, 0x01, 0xc3]);
    const poison = await poisonOf([garbage, new Uint8Array(0), '{"userId": 4,']);
    const byCode = new Map(poison.map((p) => [p.reason.code, p]));
    expect([...byCode.keys()].sort()).toEqual(['empty', 'invalid_json', 'invalid_utf8']);
    const binary = defined(byCode.get('invalid_utf8'), 'the binary record');
    expect(Buffer.from(defined(binary.dataBase64, 'its data'), 'base64')).toEqual(Buffer.from(garbage));
    expect(binary.dataText).toBeUndefined();
    expect(byCode.get('empty')?.dataBytes).toBe(0);
    expect(byCode.get('invalid_json')?.dataText).toBe('{"userId": 4,');
  });

  it('wrong types and missing features: each poison with the reason naming the field', async () => {
    const f = features(5);
    const { age: _age, ...noAge } = f;
    const poison = await poisonOf([
      JSON.stringify({ userId: '5', round: 0, features: f }),
      JSON.stringify({ userId: 5, round: [0], features: f }),
      JSON.stringify({ userId: 5, round: 0, features: [1, 2, 3] }),
      JSON.stringify({ userId: 5, round: 0, features: { ...f, pc: { many: true } } }),
      JSON.stringify({ userId: 5, round: 0, features: { ...f, gender: ['m'] } }),
      JSON.stringify([5, 0]),
      JSON.stringify({ userId: 5, round: 0 }),
      JSON.stringify({ userId: 5, round: 0, features: noAge }),
    ]);
    expect(poison.map((p) => `${p.reason.code}: ${p.reason.detail}`).sort()).toEqual([
      'bad_round: round must be a whole number ≥ 0, got [0]',
      'bad_user_id: userId must be a whole number ≥ 0, got "5"',
      'bad_value: pc must be a number ≥ 0, got {"many": true}',
      'missing_feature: feature "age" is missing',
      'missing_features: features must be an object of the model features by name',
      'missing_features: features must be an object of the model features by name',
      'not_an_object: the record must be a JSON object { userId, round, features }',
      'unknown_category: gender ["m"] is not one of 0, 1',
    ]);
  });

  it('a record that makes scoring throw is poison (record_error), its neighbours scored', async () => {
    // The real model, wrapped to throw for one record: no real record makes our engine throw today.
    const throwing = (model: PredictionModel): PredictionModel => ({
      ...model,
      explain: (rows) => {
        const age = model.features.findIndex((x) => x.name === 'age');
        if (rows.some((row) => row[age] === 99)) throw new TypeError('cannot score age 99');
        return model.explain(rows);
      },
    });
    const event = await eventOf([
      good(1),
      JSON.stringify({ userId: 9, round: 0, features: { ...features(9), age: 99 } }),
      good(2),
    ]);
    expect((await handlerWith({ model: throwing })(event)).batchItemFailures).toEqual([]);
    expect(await resultUsers()).toEqual([1, 2]);
    const [p] = await drain<PoisonMessage>(poisonUrl);
    expect(p?.reason).toEqual({ code: 'record_error', detail: 'TypeError: cannot score age 99' });
  });

  it('a throttled SNS fails only the records whose results it refused, for Lambda to retry', async () => {
    // Mock only here: no emulator throttles chosen entries. Results for users 3 and 5 are
    // refused as throttled (no sender fault) on every attempt; everything else reaches fauxqs.
    const throttling = Object.create(local.sns) as SNSClient;
    throttling.send = (async (command: Parameters<SNSClient['send']>[0]) => {
      if (!(command instanceof PublishBatchCommand)) return local.sns.send(command);
      const entries = command.input.PublishBatchRequestEntries ?? [];
      const refused = entries.filter((e) => usersIn(e).some((u) => [3, 5].includes(u)));
      const kept = entries.filter((e) => !refused.includes(e));
      const out = kept.length
        ? await local.sns.send(new PublishBatchCommand({ ...command.input, PublishBatchRequestEntries: kept }))
        : {};
      const Failed = refused.map((e) => ({
        Id: defined(e.Id, 'an Id'),
        Code: 'ThrottlingException',
        SenderFault: false,
      }));
      return { ...out, Failed };
    }) as SNSClient['send'];
    const event = await eventOf([good(1), good(3), '{oops', good(4), good(5), good(6)]);
    // One result a message, so that SNS can refuse exactly users 3 and 5.
    const response = await handlerWith({ sns: throttling, resultsPerMessage: 1 })(event);
    const seq = (i: number) => event.Records[i]?.kinesis.sequenceNumber;
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([seq(1), seq(4)].sort());
    expect(await resultUsers()).toEqual([1, 4, 6]);
    expect((await drain<PoisonMessage>(poisonUrl)).map((p) => p.reason.code)).toEqual(['invalid_json']);
  });

  it('a refused results message fails every record whose result it carried, not the poison ones', async () => {
    // Mock only here: no emulator refuses chosen entries. SNS refuses the message carrying
    // round 1's results (throttled every time); round 0's message gets through.
    const refusing = Object.create(local.sns) as SNSClient;
    refusing.send = (async (command: Parameters<SNSClient['send']>[0]) => {
      if (!(command instanceof PublishBatchCommand)) return local.sns.send(command);
      const entries = command.input.PublishBatchRequestEntries ?? [];
      const refused = entries.filter((e) => e.MessageAttributes?.round?.StringValue === '1');
      const kept = entries.filter((e) => !refused.includes(e));
      const out = kept.length
        ? await local.sns.send(new PublishBatchCommand({ ...command.input, PublishBatchRequestEntries: kept }))
        : {};
      return {
        ...out,
        Failed: refused.map((e) => ({ Id: defined(e.Id, 'an Id'), Code: 'Throttling', SenderFault: false })),
      };
    }) as SNSClient['send'];
    const inRound1 = (u: number) => JSON.stringify({ userId: u, round: 1, features: features(u) });
    const event = await eventOf([good(1), inRound1(3), '{oops', good(4), inRound1(5)]);
    const response = await handlerWith({ sns: refusing })(event);
    const seq = (i: number) => event.Records[i]?.kinesis.sequenceNumber;
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([seq(1), seq(4)].sort());
    expect(await resultUsers()).toEqual([1, 4]);
    expect((await drain<PoisonMessage>(poisonUrl)).map((p) => p.reason.code)).toEqual(['invalid_json']);
  });

  it('a failing claim-check write fails only that record; the message is not sent without its object', async () => {
    // Mock only here: fauxqs does not throttle. S3 answers SlowDown to writes under poison/.
    const slow = Object.create(local.s3) as S3Client;
    slow.send = ((command: Parameters<S3Client['send']>[0]) => {
      if (command instanceof PutObjectCommand && command.input.Key?.startsWith('poison/')) {
        return Promise.reject(Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' }));
      }
      return local.s3.send(command);
    }) as S3Client['send'];
    const event = await eventOf([good(1), padded(7, 400_000), '[]', good(2)]);
    const logger = new Logger({ serviceName: 'predict-test' });
    const warn = vi.spyOn(logger, 'warn');
    const response = await handlerWith({ s3: slow, logger })(event);
    const logged = warn.mock.calls.map((call) => JSON.stringify(call));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]?.kinesis.sequenceNumber }]);
    // The log says what failed and where.
    expect(logged.join('\n')).toMatch(/keeping a poison record at s3:\/\/data\/poison\/[0-9a-f]{64} failed: SlowDown/);
    expect(await resultUsers()).toEqual([1, 2]);
    expect((await drain<PoisonMessage>(poisonUrl)).map((p) => p.reason.code)).toEqual(['not_an_object']);
  });
});
