/**
 * `retention failures` against the local cloud running the product stack: a corrupt week
 * (a gzip cut short) lands in the extraction failure queue after its retries; `list` counts it, `show` names
 * the object and the reason without consuming it, and once the object is fixed `redrive`
 * sends the original event back to the extract function (through the local Lambda API),
 * which now succeeds, and the message is gone.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DEFAULT_BASE_WEEK, weekSpan } from '#core/weeks.ts';
import { dataBucket } from '#infra/local/stages/resources.ts';
import { listKeys, startTestCloud, type LocalCloud } from '#test/support/local-cloud.ts';

const run = promisify(execFile);
const BAD_KEY = 'raw/events/user_events_week1.log.gz';

describe('retention failures on the local cloud', () => {
  let cloud: LocalCloud;
  let bucket: string;
  const extractRuns: string[] = [];
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

  it('refuses an unknown queue with a one-line usage error', async () => {
    await expect(failures('show', '--queue', 'nope')).rejects.toThrow(/exited 2: .*--queue must be one of/);
  });
});
