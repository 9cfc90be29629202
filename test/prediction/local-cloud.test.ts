/**
 * Prediction end to end on the local cloud (the construct synthesized, its Lambdas bundled
 * and run by the local Kinesis poller and S3 notifications): features put with the producer
 * come back as one result per user on every queue subscribed to the results topic (the
 * users' queue, the command line's and npm start's display queue, each read independently),
 * poison records land in the poison queue, and the site's trends.json counts the round.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { featuresTsv } from '#test/training/fixtures/weeks.ts';
import { bucketName, output, startTestCloud, readText, type LocalCloud } from '#test/support/local-cloud.ts';
import { defined } from '#test/support/defined.ts';
import { waitFor } from '#test/support/wait-for.ts';
import { putEntries, putUserFeatures } from '#aws/prediction/kinesis-producer.ts';
import { PREDICTION_OUTPUTS } from '#infra/constructs/prediction.ts';
import { subscribeDisplayQueue } from '#infra/local/stages/display-queue.ts';
import type { PoisonMessage } from '#core/prediction/poison.ts';
import { buildPredictionApp } from './fixture-app.ts';
import { publishModel, receiveBatch, receiveResults, record, trainTinyModel } from './fixtures.ts';

describe('prediction on the local cloud', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud({ buildApp: (o) => buildPredictionApp({ ...o, batchSize: 100 }) });
  }, 120_000);
  afterAll(() => cloud?.stop());

  /** Receives (and deletes) with `receive` until `want` items arrived or `timeoutMs` passed. */
  async function drainWith<T>(receive: () => Promise<T[]>, want: number, timeoutMs = 30_000): Promise<T[]> {
    const items: T[] = [];
    const until = Date.now() + timeoutMs;
    while (items.length < want && Date.now() < until) items.push(...(await receive()));
    return items;
  }
  const drain = <T>(url: string, want: number) => drainWith(() => receiveBatch<T>(cloud.clients.sqs, url), want);
  const drainResults = (url: string, want: number) => drainWith(() => receiveResults(cloud.clients.sqs, url), want);

  it('turns features into one result per user on every subscribed queue, poison into the poison queue, and counts the round', async () => {
    const data = bucketName(cloud, /DataBucket/);
    const site = bucketName(cloud, /SiteBucket/);
    const stream = output(cloud, PREDICTION_OUTPUTS.stream);
    await publishModel(cloud.clients.s3, data, 'v1', await trainTinyModel(1));
    const display = await subscribeDisplayQueue(cloud);

    const users = Array.from({ length: 250 }, (_, i) => i + 1);
    await putUserFeatures(
      cloud.clients.kinesis,
      stream,
      users.map((u) => record(u, 4)),
    );
    await putEntries(cloud.clients.kinesis, stream, [
      { PartitionKey: 'p1', Data: new TextEncoder().encode('{"userId": 1') },
      {
        PartitionKey: 'p2',
        Data: new TextEncoder().encode(JSON.stringify({ userId: 2, round: 4, features: { pc: 1 } })),
      },
    ]);

    // Each subscriber drains its own queue to the end: none takes a result from another.
    const queues = [output(cloud, PREDICTION_OUTPUTS.results), output(cloud, PREDICTION_OUTPUTS.commandLineResults)];
    const received = await Promise.all([...queues, display].map((url) => drainResults(url, 250)));
    const [mine, , shown] = received;
    for (const results of received) {
      expect(results.map((r) => r.userId).sort((a, b) => a - b)).toEqual(users);
      expect(new Set(results.map((r) => r.resultId)).size).toBe(250);
    }
    expect(new Set(defined(shown, 'the display queue').map((r) => r.resultId))).toEqual(
      new Set(defined(mine, "the users' queue").map((r) => r.resultId)),
    );
    const poison = await drain<PoisonMessage>(output(cloud, PREDICTION_OUTPUTS.poison), 2);
    expect(poison.map((p) => p.reason.code).sort()).toEqual(['invalid_json', 'missing_feature']);

    const trends = await waitFor(
      async () => {
        await cloud.idle();
        const text = await readText(cloud.clients.s3, site, 'data/trends.json').catch(() => '{"rounds":[]}');
        const read = JSON.parse(text) as { rounds: { scored: number }[] };
        return read.rounds[0]?.scored === 250 && read;
      },
      { what: 'trends.json counting the 250 users of round 4', intervalMs: 200 },
    );
    expect(trends.rounds).toEqual([
      {
        round: 4,
        scored: 250,
        retained: users.filter((u) => u % 6 > 2).length,
        expectedRetained: expect.any(Number) as number,
      },
    ]);
    // The stack's trends Lambda, with the size and grant the stack gives it, lists the round's users.
    const atRisk = await waitFor(
      async () => {
        await cloud.idle();
        const text = await readText(cloud.clients.s3, site, 'data/at-risk.json').catch(() => '{"users":[]}');
        const read = JSON.parse(text) as { round: number; limit: number; users: { probability: number }[] };
        return read.users.length === 250 && read;
      },
      { what: 'at-risk.json listing the 250 users of round 4', intervalMs: 200 },
    );
    expect(atRisk).toMatchObject({ round: 4, limit: 1000 });
    const probabilities = atRisk.users.map((u) => u.probability);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => a - b));
  }, 90_000);

  function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'bin/retention.ts', ...args],
        { env: { ...process.env, RETENTION_STATE_DIR: cloud.stateDir } },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('retention feed puts the extracted week in rounds after the last counted one; retention results prints and deletes them', async () => {
    const data = bucketName(cloud, /DataBucket/);
    const users = Array.from({ length: 30 }, (_, i) => ({ userId: 1000 + i, pc: i % 6 }));
    await cloud.clients.s3.send(
      new PutObjectCommand({
        Bucket: data,
        Key: 'extracted/week=1/part=a/features.tsv',
        Body: featuresTsv('1', users),
      }),
    );
    const fed = await cli(['feed', '--week', '1', '--rounds', '2', '--interval', '0s']);
    expect(fed.stderr).toContain('rounds 5..6'); // round 4 was counted by the test above
    expect(fed.code).toBe(0);
    const printed = await cli(['results', '--max', '60', '--json', '--idle', '20s']);
    expect(printed.code).toBe(0);
    const lines = printed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(60);
    expect(new Set(lines.map((l) => `${l.round}/${l.userId}`)).size).toBe(60);
    expect(new Set(lines.map((l) => l.round))).toEqual(new Set([5, 6]));
    const again = await cli(['results', '--idle', '2s']);
    expect(again.stdout).toBe(''); // deleted once printed
    // …from the command line's own queue: the users' queue still holds every one of them.
    const users60 = await drainResults(output(cloud, PREDICTION_OUTPUTS.results), 60);
    expect(new Set(users60.map((l) => `${l.round}/${l.userId}`))).toEqual(
      new Set(lines.map((l) => `${l.round}/${l.userId}`)),
    );
  }, 90_000);

  it('retention feed refuses a bad week with exit code 2', async () => {
    const r = await cli(['feed', '--week', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a week/);
  }, 30_000);
});
