/**
 * Two trends invocations at once (the queue mapping runs up to two) on emulated S3 with its
 * conditional writes. Each race is staged: invocation A is held just before one of its
 * writes (a middleware on A's own client waits; nothing is faked) while invocation B
 * counts newer parts and finishes; then A goes on. Whatever A wrote last, trends.json, the
 * round's ledger and data/at-risk.json end up as one invocation after the other would
 * leave them: the sums of every part and the latest round's least-likely users.
 * A last race runs both freely, many times over, and checks the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { s3ClientConfig, startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { createTrendsHandler } from '#handlers/prediction/trends.ts';
import { leastLikely, type AtRiskDocument, type AtRiskUser } from '#core/prediction/at-risk.ts';
import { roundLedgerKey, trendPart, trendPartKey, type TrendsDocument } from '#core/prediction/trends.ts';
import { encodeEventKey } from '#infra/local/s3-event.ts';
import { defined } from '#test/support/defined.ts';

const SIZE = 3;

interface Written {
  readonly key: string;
  readonly scored: number;
  readonly retained: number;
  readonly atRisk: AtRiskUser[];
}

/** An SQS batch of S3 notifications, one message a part (as S3 sends them to the queue). */
const queueEvent = (...parts: Written[]) =>
  ({
    Records: parts.map((p, i) => ({
      messageId: `m-${i}-${p.key}`,
      body: JSON.stringify({ Records: [{ s3: { object: { key: encodeEventKey(p.key) } } }] }),
      eventSource: 'aws:sqs',
    })),
  }) as unknown as SQSEvent;

describe('trends invocations racing on emulated S3', () => {
  let local: TestEmulators;
  let sequence = 0;
  beforeAll(async () => {
    local = await startTestEmulators();
    for (const Bucket of ['data', 'site']) await local.s3.send(new CreateBucketCommand({ Bucket }));
  });
  afterAll(() => local?.stop());

  const putPart = async (round: number, scored: number, retained: number): Promise<Written> => {
    const first = String(++sequence);
    const atRisk = [1, 2].map((n) => ({ userId: sequence * 10 + n, probability: ((sequence * 7 + n) % 97) / 100 }));
    const key = trendPartKey(round, 'shardId-0', first);
    const part = trendPart({ round, scored, retained, expectedRetained: retained }, 'shardId-0', first, new Date(), {
      modelVersion: 'v1',
      atRisk,
    });
    await local.s3.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: JSON.stringify(part) }));
    return { key, scored, retained, atRisk };
  };
  const readJson = async <T>(bucket: string, key: string): Promise<T> => {
    const got = await local.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await defined(got.Body, key).transformToString()) as T;
  };
  const trends = (s3: S3Client) =>
    createTrendsHandler({
      s3,
      dataBucket: 'data',
      siteBucket: 'site',
      atRiskSize: SIZE,
      logger: new Logger({ logLevel: 'SILENT' }),
    });

  /** A client that waits for `release` before the first request `holds` picks, and counts refused conditions. */
  function heldClient(holds: (command: string, key: string | undefined) => boolean, release: Promise<unknown>) {
    const s3 = new S3Client(s3ClientConfig(local));
    const seen = { held: false, refused: 0 };
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: string }).Key;
        if (!seen.held && holds(context.commandName ?? '', key)) {
          seen.held = true;
          await release;
        }
        try {
          return await next(args);
        } catch (error) {
          const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          if (status === 412 || status === 409) seen.refused++;
          throw error;
        }
      },
      { step: 'initialize', name: 'holdOneRequest' },
    );
    return { s3, seen };
  }

  /** Runs A until it is held, then B to the end, then lets A finish. */
  async function race(
    holds: (command: string, key: string | undefined) => boolean,
    a: SQSEvent,
    b: () => Promise<SQSEvent>,
  ) {
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const held = heldClient(holds, released);
    const first = trends(held.s3)(a);
    await waitUntil(() => held.seen.held);
    expect(await trends(local.s3)(await b())).toEqual({ batchItemFailures: [] });
    release();
    expect(await first).toEqual({ batchItemFailures: [] });
    held.s3.destroy();
    return held.seen;
  }

  const pointOf = async (round: number) =>
    (await readJson<TrendsDocument>('site', 'data/trends.json')).rounds.find((r) => r.round === round);
  const sums = (round: number, parts: Written[]) => {
    const scored = parts.reduce((n, p) => n + p.scored, 0);
    const retained = parts.reduce((n, p) => n + p.retained, 0);
    return { round, scored, retained, expectedRetained: retained };
  };

  it("a ledger commit that loses to a newer one starts again: the round counts both invocations' parts", async () => {
    const p1 = await putPart(1, 10, 4);
    let p2: Written | undefined;
    const seen = await race(
      (command, key) => command === 'PutObjectCommand' && key === roundLedgerKey(1),
      queueEvent(p1),
      async () => queueEvent((p2 = await putPart(1, 5, 5))),
    );
    const parts = [p1, defined(p2, 'p2')];
    expect(await pointOf(1)).toEqual(sums(1, parts));
    const ledger = await readJson<{ parts: Record<string, unknown> }>('data', roundLedgerKey(1));
    expect(Object.keys(ledger.parts).sort()).toEqual(parts.map((p) => p.key).sort());
    const atRisk = await readJson<AtRiskDocument>('site', 'data/at-risk.json');
    expect(atRisk).toMatchObject({ round: 1, scored: 15 });
    expect(atRisk.users).toEqual(
      leastLikely(
        parts.flatMap((p) => p.atRisk),
        SIZE,
      ),
    );
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('a trends.json write over a newer version reads it again: no round is lost', async () => {
    const p2 = await putPart(2, 8, 2);
    let p3: Written | undefined;
    const seen = await race(
      (command, key) => command === 'PutObjectCommand' && key === 'data/trends.json',
      queueEvent(p2),
      async () => queueEvent((p3 = await putPart(3, 6, 3))),
    );
    expect(await pointOf(2)).toEqual(sums(2, [p2]));
    expect(await pointOf(3)).toEqual(sums(3, [defined(p3, 'p3')]));
    expect(seen.refused).toBeGreaterThan(0);
    // Round 3 is the latest: the list is its own, though round 2 finished last.
    expect(await readJson<AtRiskDocument>('site', 'data/at-risk.json')).toMatchObject({ round: 3, scored: 6 });
  });

  it('an earlier round that finishes after a later one leaves the later round on the at-risk list', async () => {
    const p4 = await putPart(4, 9, 1);
    let p5: Written | undefined;
    await race(
      (command, key) => command === 'HeadObjectCommand' && key === 'data/at-risk.json',
      queueEvent(p4),
      async () => queueEvent((p5 = await putPart(5, 7, 7))),
    );
    const atRisk = await readJson<AtRiskDocument>('site', 'data/at-risk.json');
    expect(atRisk).toMatchObject({ round: 5, scored: 7 });
    expect(atRisk.users).toEqual(leastLikely(defined(p5, 'p5').atRisk, SIZE));
    expect(await pointOf(4)).toEqual(sums(4, [p4]));
  });

  it('two invocations let loose on one round, again and again, leave the sums of every part', async () => {
    const parts: Written[] = [];
    for (let i = 0; i < 6; i++) {
      const batch = await Promise.all([putPart(6, 3, 1), putPart(6, 4, 2), putPart(6, 2, 2)]);
      parts.push(...batch);
      const [a, b] = [queueEvent(...batch.slice(0, 2)), queueEvent(...batch.slice(1))];
      const results = await Promise.all([trends(local.s3)(a), trends(local.s3)(b)]);
      expect(results).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
      expect(await pointOf(6)).toEqual(sums(6, parts));
    }
    const atRisk = await readJson<AtRiskDocument>('site', 'data/at-risk.json');
    expect(atRisk).toMatchObject({ round: 6, scored: 54 });
    expect(atRisk.users).toEqual(
      leastLikely(
        parts.flatMap((p) => p.atRisk),
        SIZE,
      ),
    );
  });
});

async function waitUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!done()) throw new Error('the held invocation never reached the request it waits before');
}
