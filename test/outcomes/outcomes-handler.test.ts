/**
 * The outcomes Lambda on emulated S3: nothing is written until the next week is complete; a
 * successful training run's status-change event (training W → W+1, as EventBridge delivers it)
 * and a scored part's event both recompute week W from every kept part and week W+1's active
 * users; a run that did not succeed judges nothing, and says why; running it again,
 * or the same event redelivered, leaves data/outcomes.json byte for byte (same ETag); a part
 * rewritten by a retried batch replaces its users; the realized AUC goes out as a metric.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { S3Event } from 'aws-lambda';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { createOutcomesHandler } from '#handlers/prediction/outcomes.ts';
import { scoredPartKey, type ScoredPart } from '#core/prediction/scored.ts';
import { encodeEventKey } from '#infra/local/s3-event.ts';
import { executionStatusChange } from '#infra/local/execution-events.ts';
import type { ExecutionStatusEvent } from '#aws/step-functions-events.ts';
import { defined } from '#test/support/defined.ts';

const eventFor = (...keys: string[]) =>
  ({ Records: keys.map((key) => ({ s3: { object: { key: encodeEventKey(key) } } })) }) as unknown as S3Event;

/** The event EventBridge delivers when the training run (week - 1 → week) ends. */
const trainingEnded = (labelWeek: number, status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED') =>
  executionStatusChange(
    {
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:Training:run-${labelWeek}`,
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Training',
      name: `run-${labelWeek}`,
      input: JSON.stringify({ trainWeek: String(labelWeek - 1), labelWeek: String(labelWeek) }),
      startDate: new Date(),
      stopDate: new Date(),
      status,
      done: Promise.resolve(),
    },
    { region: 'us-east-1', account: '000000000000' },
  );

describe('outcomes handler on emulated S3', () => {
  let local: TestEmulators;
  const emitted: string[] = [];
  beforeAll(async () => {
    local = await startTestEmulators();
    await local.s3.send(new CreateBucketCommand({ Bucket: 'data' }));
    await local.s3.send(new CreateBucketCommand({ Bucket: 'site' }));
  });
  afterAll(() => local?.stop());

  const put = (Bucket: string, Key: string, Body: string) => local.s3.send(new PutObjectCommand({ Bucket, Key, Body }));
  const putPart = async (week: number, first: string, users: [number, number][]) => {
    const part: ScoredPart = {
      formatVersion: 1,
      week,
      shardId: 'shardId-000000000000',
      firstSequenceNumber: first,
      writtenAt: '2026-12-01T00:00:00.000Z',
      users: users.map(([userId, probability]) => ({ userId, probability, modelVersion: 'v7' })),
    };
    const key = scoredPartKey(week, part.shardId, first);
    await put('data', key, JSON.stringify(part));
    return key;
  };
  const completeWeek = async (week: number, active: number[]) => {
    await put('data', `extracted/week=${week}/part=p1/active_users.txt`, active.map((id) => `${id}\n`).join(''));
    await put('data', `extracted/week=${week}/part=p1/manifest.json`, '{}');
    const marker = `extracted/week=${week}/_COMPLETE.json`;
    await put('data', marker, JSON.stringify({ formatVersion: 1, week: String(week), parts: ['p1'] }));
    return marker;
  };
  // Powertools writes EMF lines to stdout: read them there.
  const run = async (event: S3Event | ExecutionStatusEvent) => {
    const metrics = new Metrics({ namespace: 'RetentionForestTest', serviceName: 'outcomes' });
    const spy = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => (emitted.push(String(chunk)), true));
    try {
      return await createOutcomesHandler({
        s3: local.s3,
        dataBucket: 'data',
        siteBucket: 'site',
        floor: 0.55,
        metrics,
      })(event);
    } finally {
      spy.mockRestore();
    }
  };
  const realizedAucs = () =>
    emitted
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as { RealizedAuc?: number; service?: string })
      .filter((m) => m.RealizedAuc !== undefined);
  const document = async () => {
    const got = await local.s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'data/outcomes.json' }));
    return { eTag: got.ETag, body: JSON.parse(await defined(got.Body, 'outcomes.json').transformToString()) };
  };

  it('waits for the next week, then judges the week from every kept part', async () => {
    const a = await putPart(3, '100', [
      [1, 0.9],
      [2, 0.4],
    ]);
    await putPart(3, '200', [
      [3, 0.6],
      [4, 0.1],
    ]);
    const waiting = await run(eventFor(a));
    expect(waiting.weeks).toEqual([
      { week: 3, update: { status: 'waiting', reason: 'week 4 is not extracted completely yet' } },
    ]);
    const head = await local.s3
      .send(new HeadObjectCommand({ Bucket: 'site', Key: 'data/outcomes.json' }))
      .catch(() => undefined);
    expect(head).toBeUndefined();

    // Week 4 complete, training (3 → 4) failed: nothing is judged, and the response says why.
    await completeWeek(4, [1, 2, 50]);
    expect(await run(trainingEnded(4, 'FAILED'))).toEqual({
      weeks: [],
      skipped: 'execution run-4 is FAILED, not SUCCEEDED',
    });
    // Training (3 → 4) succeeded: week 3 is judged.
    const done = await run(trainingEnded(4));
    expect(done.weeks[0]?.update.status).toBe('written');
    const first = await document();
    expect(first.body).toEqual({
      formatVersion: 1,
      floor: 0.55,
      weeks: [
        {
          week: 3,
          outcomeWeek: 4,
          usersScored: 4,
          expectedRetained: 2,
          actualRetained: 2,
          realizedAuc: 0.75,
          belowFloor: false,
          modelVersions: [{ version: 'v7', users: 4 }],
        },
      ],
    });
    // The metric the stack's alarm watches, with the dimension it names.
    expect(realizedAucs().at(-1)).toMatchObject({ RealizedAuc: 0.75, service: 'outcomes' });

    // Re-run and redelivery: the same document, not even rewritten.
    expect((await run(trainingEnded(4))).weeks[0]?.update.status).toBe('unchanged');
    expect((await run(eventFor(a, a))).weeks[0]?.update.status).toBe('unchanged');
    expect((await document()).eTag).toBe(first.eTag);
  });

  it('follows a part rewritten by a retried batch and flags a week below the floor', async () => {
    // The retried batch counted more records, and the model ordered them badly.
    const a = await putPart(3, '100', [
      [1, 0.1],
      [2, 0.2],
      [5, 0.95],
    ]);
    await run(eventFor(a));
    const { body } = await document();
    expect(body.weeks[0]).toMatchObject({ week: 3, usersScored: 5, actualRetained: 2, belowFloor: true });
    expect(body.weeks[0].realizedAuc).toBeLessThan(0.55);
    expect(realizedAucs().at(-1)?.RealizedAuc).toBe(body.weeks[0].realizedAuc);
  });

  it('adds weeks beside the others and ignores keys that are not its own', async () => {
    const key = await putPart(4, '300', [
      [50, 0.8],
      [1, 0.3],
    ]);
    const marker = await completeWeek(5, [50]);
    // A completion marker is StartTraining's business now: it names no week to judge here.
    const result = await run(eventFor(key, marker, 'predictions/trends/round=1/x.json'));
    expect(result.weeks.map((w) => [w.week, w.update.status])).toEqual([[4, 'written']]);
    expect((await run(eventFor(marker))).weeks).toEqual([]);
    // Records name weeks by number: a calendar week's run has nothing to compare with.
    const numbered = trainingEnded(5);
    const calendar = {
      ...numbered,
      detail: { ...numbered.detail, input: '{"trainWeek":"2026-W01","labelWeek":"2026-W02"}' },
    };
    expect(await run(calendar)).toEqual({ weeks: [], skipped: 'label week 2026-W02 has no numbered week before it' });
    const { body } = await document();
    expect(body.weeks.map((w: { week: number; realizedAuc: number }) => [w.week, w.realizedAuc])).toEqual([
      [3, expect.any(Number)],
      [4, 1],
    ]);
  });
});
