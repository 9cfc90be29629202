/**
 * A burst with poison of every kind (test/support/poison-records.ts) through the local cloud:
 * every good record gets a result (a redelivery carries the same resultId), every poison
 * record reaches the poison queue with the reason of its kind, no batch is given up, and
 * trends.json counts the round exactly, whatever the order the trend parts arrived in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { bucketName, output, readText, startTestCloud, type LocalCloud } from '#test/support/local-cloud.ts';
import { burstWithPoison } from '#test/support/poison-records.ts';
import { waitFor } from '#test/support/wait-for.ts';
import { putEntries } from '#aws/prediction/kinesis-producer.ts';
import { PREDICTION_OUTPUTS } from '#infra/constructs/prediction.ts';
import type { PoisonMessage } from '#core/prediction/poison.ts';
import { buildPredictionApp } from './fixture-app.ts';
import { publishModel, receiveBatch, receiveResults, record, trainTinyModel } from './fixtures.ts';

const ROUND = 9;
const USERS = 1600;

describe('a burst with poison through the local cloud', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud({ buildApp: (o) => buildPredictionApp({ ...o, batchSize: 100 }) });
  }, 120_000);
  afterAll(() => cloud?.stop());

  /** Receives (and deletes) with `receive` until `done` says so. */
  async function receiveUntil<T>(receive: () => Promise<T[]>, done: (items: T[]) => boolean, what: string) {
    const items: T[] = [];
    await waitFor(
      async () => {
        items.push(...(await receive()));
        return done(items);
      },
      { what, timeoutMs: 150_000, intervalMs: 1 },
    );
    return items;
  }

  it('drains with a result for every good record, every poison record filed with its reason, and exact trends', async () => {
    const data = bucketName(cloud, /DataBucket/);
    const site = bucketName(cloud, /SiteBucket/);
    await publishModel(cloud.clients.s3, data, 'v1', await trainTinyModel(1));
    const entries = burstWithPoison(
      Array.from({ length: USERS }, (_, i) => record(i + 1, ROUND)),
      50,
    );
    const good = entries.flatMap((e) => (e.good ? [e.good.userId] : []));
    const poison = entries.filter((e) => e.poison);
    expect(new Set(poison.map((e) => e.poison?.name)).size).toBeGreaterThanOrEqual(12);
    for (let i = 0; i < entries.length; i += 500)
      await putEntries(
        cloud.clients.kinesis,
        output(cloud, PREDICTION_OUTPUTS.stream),
        entries.slice(i, i + 500).map(({ PartitionKey, Data }) => ({ PartitionKey, Data })),
      );

    const resultsQueue = output(cloud, PREDICTION_OUTPUTS.results);
    const results = await receiveUntil(
      () => receiveResults(cloud.clients.sqs, resultsQueue),
      (bodies) => new Set(bodies.map((r) => r.userId)).size >= good.length,
      `a result for each of the ${good.length} good records`,
    );
    const idsByUser = new Map<number, Set<string>>();
    for (const r of results) idsByUser.set(r.userId, (idsByUser.get(r.userId) ?? new Set()).add(r.resultId));
    expect([...idsByUser.keys()].sort((a, b) => a - b)).toEqual(good);
    expect([...idsByUser.values()].filter((ids) => ids.size > 1)).toEqual([]);

    const poisonQueue = output(cloud, PREDICTION_OUTPUTS.poison);
    const filed = await receiveUntil(
      () => receiveBatch<PoisonMessage>(cloud.clients.sqs, poisonQueue),
      (bodies) => bodies.length >= poison.length,
      `the ${poison.length} poison records in the poison queue`,
    );
    const codeByKey = new Map(filed.map((p) => [p.partitionKey, p.reason.code]));
    expect(poison.map((e) => [e.poison?.name, codeByKey.get(e.PartitionKey)])).toEqual(
      poison.map((e) => [e.poison?.name, e.poison?.code]),
    );

    await cloud.idle();
    const retained = good.filter((u) => u % 6 > 2).length;
    const trends = await waitFor(
      async () => {
        await cloud.idle();
        const text = await readText(cloud.clients.s3, site, 'data/trends.json').catch(() => '{"rounds":[]}');
        const point = (JSON.parse(text) as { rounds: { round: number; scored: number }[] }).rounds.find(
          (r) => r.round === ROUND,
        );
        return point?.scored === good.length && point;
      },
      { what: `trends.json counting the ${good.length} good records of round ${ROUND}`, intervalMs: 200 },
    );
    expect(trends).toMatchObject({ round: ROUND, scored: good.length, retained });
    const givenUp = await cloud.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: output(cloud, PREDICTION_OUTPUTS.failures), WaitTimeSeconds: 0 }),
    );
    expect(givenUp.Messages ?? []).toEqual([]);
  }, 300_000);
});
