/**
 * `retention failures` against the local cloud running the product stack: a corrupt week
 * (a gzip cut short) lands in the extraction failure queue after its retries; `list` counts it, `show` names
 * the object and the reason without consuming it, and once the object is fixed `redrive`
 * sends the original event back to the extract function (through the local Lambda API),
 * which now succeeds, and the message is gone. A trend-part event dead-lettered by the trends
 * function's queue is the event itself: `show` names its part, `redrive` sends it back to that
 * queue, where the function counts it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { trendPart, trendPartKey } from '#core/prediction/trends.ts';
import { FAILURE_QUEUE_OUTPUTS } from '#infra/constructs/failure-queue.ts';
import { buildS3Event } from '#infra/local/s3-event.ts';
import { siteBucket } from '#infra/local/stages/resources.ts';
import { waitFor } from '#test/support/wait-for.ts';
import { defined } from '#test/support/defined.ts';
import { DEFAULT_BASE_WEEK, weekSpan } from '#core/weeks.ts';
import { dataBucket } from '#infra/local/stages/resources.ts';
import { listKeys, startTestCloud, type LocalCloud } from '#test/support/local-cloud.ts';

const run = promisify(execFile);
const BAD_KEY = 'raw/events/user_events_week1.log.gz';

describe('retention failures on the local cloud', () => {
  let cloud: LocalCloud;
  let bucket: string;
  const extractRuns: string[] = [];
  /** The outcome of each batch the trends function read from its queue. */
  const trendsBatches: string[] = [];
  const failures = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bin/retention.ts', 'failures', ...args], {
      env: { ...process.env, RETENTION_STATE_DIR: cloud.stateDir },
    }).catch((error: { stdout: string; stderr: string; code: number }) => {
      throw new Error(`retention failures ${args.join(' ')} exited ${error.code}: ${error.stderr}${error.stdout}`);
    });
    return stdout;
  };
  const put = (key: string, body: string | Uint8Array) =>
    cloud.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

  beforeAll(async () => {
    cloud = await startTestCloud();
    bucket = dataBucket(cloud).name;
    cloud.subscribe((activity) => {
      if (activity.kind === 'async-done' && /^ExtractionExtractFunction/.test(String(activity.function)))
        extractRuns.push(String(activity.ok));
      if (activity.kind === 'queue-batch' && /TrendsFunction/.test(activity.function))
        trendsBatches.push(activity.outcome);
    });
    const gzip = gzipSync(`1\t10\t0\tPC\t1494806400\tINSPECT\t1\n`.repeat(100));
    await put(BAD_KEY, gzip.subarray(0, gzip.length - 10)); // a gzip cut short: unreadable
    await cloud.idle();
  }, 300_000); // synthesis and bundling of the whole stack, on a shared machine
  afterAll(() => cloud?.stop());

  it('lists every failure queue with what waits in it', async () => {
    const out = await failures('list');
    expect(out).toMatch(/^ {2}extraction +1 {2}S3 events/m);
    expect(out).toMatch(/^ {2}training +0 /m);
    expect(out).toMatch(/^ {2}trends +0 /m);
    expect(out).toMatch(/^ {2}prediction +0 /m);
  });

  it('shows the failed object and the reason, leaving the message on the queue', async () => {
    const out = await failures('show', '--queue', 'extraction');
    expect(out).toContain(`s3://${bucket}/${BAD_KEY}`);
    expect(out).toMatch(/RetriesExhausted/);
    expect(out).toMatch(/gzip|incorrect header/i);
    expect(await failures('list')).toMatch(/^ {2}extraction +1 /m);
  });

  it('redrives the original event to the function once the object is fixed, and deletes the message', async () => {
    const { start } = weekSpan(DEFAULT_BASE_WEEK);
    await put(BAD_KEY, gzipSync(`1\t10\t0\tPC\t${start + 100}\tINSPECT\t1\n`)); // the fix: itself extracted
    await cloud.idle();
    const before = extractRuns.length;
    const out = await failures('redrive', '--queue', 'extraction');
    expect(out).toMatch(/^1 redriven, 0 kept on the queue$/m);
    await cloud.idle();
    expect(extractRuns.slice(before)).toEqual(['true']); // the redriven event ran, and succeeded
    expect(await failures('list')).toMatch(/^ {2}extraction +0 /m);
    expect((await listKeys(cloud.clients.s3, bucket, 'extracted/')).some((k) => k.endsWith('/manifest.json'))).toBe(
      true,
    );
  });

  it("sends a dead-lettered trend-part event back to the trends function's queue, where it is read", async () => {
    const key = trendPartKey(90, 'shardId-0', '9000');
    const part = trendPart(
      { round: 90, scored: 4, retained: 3, expectedRetained: 2.5 },
      'shardId-0',
      '9000',
      new Date(),
      {
        modelVersion: 'v1',
        atRisk: [],
      },
    );
    await cloud.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(part) }));
    await cloud.idle();
    // As the queue's redrive policy leaves it: the S3 event itself, no destination record around it.
    const failuresUrl = defined(cloud.outputs[FAILURE_QUEUE_OUTPUTS.trends], 'the trends failure queue');
    const event = buildS3Event({ region: cloud.region, bucket, key, size: 1, eTag: '"x"', at: Date.now() });
    await cloud.clients.sqs.send(new SendMessageCommand({ QueueUrl: failuresUrl, MessageBody: JSON.stringify(event) }));
    expect(await failures('show', '--queue', 'trends')).toContain(`s3://${bucket}/${key}`);
    const before = trendsBatches.length;
    expect(await failures('redrive', '--queue', 'trends')).toMatch(/^1 redriven, 0 kept on the queue$/m);
    await waitFor(() => trendsBatches.length > before, { what: 'the trends function reading the redriven event' });
    expect(trendsBatches.slice(before)).toEqual(['ok']);
    expect(await failures('list')).toMatch(/^ {2}trends +0 /m);
    const got = await cloud.clients.s3.send(
      new GetObjectCommand({ Bucket: siteBucket(cloud).name, Key: 'data/trends.json' }),
    );
    const trends = JSON.parse(await defined(got.Body, 'trends.json').transformToString()) as { rounds: unknown[] };
    expect(trends.rounds).toContainEqual({ round: 90, scored: 4, retained: 3, expectedRetained: 2.5 });
  }, 180_000); // four command-line runs (each starts tsx) and the mapping's 5 s window, on a shared machine

  it('refuses an unknown queue with a one-line usage error', async () => {
    await expect(failures('show', '--queue', 'nope')).rejects.toThrow(/exited 2: .*--queue must be one of/);
  });
});
