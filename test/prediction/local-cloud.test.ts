/**
 * Prediction end to end on the local cloud (the construct synthesized, its Lambdas bundled
 * and run by the local Kinesis poller and S3 notifications): features put with the producer
 * come back as one result per user, poison records land in the poison queue, and the site's
 * trends.json counts the round.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiveMessageCommand, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { startTestCloud, readText, type LocalCloud } from '../support/local-cloud.ts';
import { putEntries, putUserFeatures } from '../../functions/aws/kinesis-producer.ts';
import { PREDICTION_OUTPUTS } from '../../infra/constructs/prediction.ts';
import { buildPredictionApp } from './fixture-app.ts';
import { publishModel, record, trainTinyModel } from './fixtures.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('prediction on the local cloud', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud({ buildApp: (o) => buildPredictionApp({ ...o, batchSize: 100 }) });
  }, 120_000);
  afterAll(() => cloud?.stop());

  async function drain(url: string, want: number, timeoutMs = 30_000) {
    const bodies: any[] = [];
    const until = Date.now() + timeoutMs;
    while (bodies.length < want && Date.now() < until) {
      const got = await cloud.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const messages = got.Messages ?? [];
      bodies.push(...messages.map((m) => JSON.parse(m.Body!)));
      if (messages.length) await cloud.clients.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
    return bodies;
  }

  it('turns features into one result per user, poison into the poison queue, and counts the round', async () => {
    const bucket = (id: RegExp) => Object.entries(cloud.resources.buckets).find(([k]) => id.test(k))![1].name;
    const data = bucket(/DataBucket/);
    const site = bucket(/SiteBucket/);
    const stream = cloud.outputs[PREDICTION_OUTPUTS.stream];
    await publishModel(cloud.clients.s3, data, 'v1', await trainTinyModel(1));

    const users = Array.from({ length: 250 }, (_, i) => i + 1);
    await putUserFeatures(cloud.clients.kinesis, stream, users.map((u) => record(u, 4)));
    await putEntries(cloud.clients.kinesis, stream, [
      { PartitionKey: 'p1', Data: new TextEncoder().encode('{"userId": 1') },
      { PartitionKey: 'p2', Data: new TextEncoder().encode(JSON.stringify({ userId: 2, round: 4, features: { pc: 1 } })) },
    ]);

    const results = await drain(cloud.outputs[PREDICTION_OUTPUTS.results], 250);
    expect(results.map((r) => r.userId).sort((a, b) => a - b)).toEqual(users);
    expect(new Set(results.map((r) => r.resultId)).size).toBe(250);
    const poison = await drain(cloud.outputs[PREDICTION_OUTPUTS.poison], 2);
    expect(poison.map((p) => p.reason.code).sort()).toEqual(['invalid_json', 'missing_feature']);

    await cloud.idle();
    let trends: any;
    for (let i = 0; i < 50; i++) {
      await cloud.idle();
      trends = JSON.parse(await readText(cloud.clients.s3, site, 'data/trends.json').catch(() => '{"rounds":[]}'));
      if (trends.rounds[0]?.scored === 250) break;
      await sleep(200);
    }
    expect(trends.rounds).toEqual([{ round: 4, scored: 250, retained: users.filter((u) => u % 6 > 2).length }]);
  }, 90_000);
});
