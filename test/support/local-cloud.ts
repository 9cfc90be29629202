/**
 * Helpers for tests that run a local cloud: a private state folder per test file (so test
 * files and a developer's own `npm start` never share `.retention/`), and small waits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '#infra/local/cloud.ts';
import { listKeys as listStageKeys } from '#infra/local/stages/s3-read.ts';
import { defined } from './defined.ts';

export { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '#infra/local/cloud.ts';

/** Starts a local cloud in a fresh temporary state folder; `stop()` also removes the folder. */
export async function startTestCloud(options: Omit<LocalCloudOptions, 'stateDir'> = {}): Promise<LocalCloud> {
  const stateDir = mkdtempSync(join(tmpdir(), 'retention-cloud-'));
  const cloud = await startLocalCloud({
    onOutput: () => undefined,
    asyncRetryDelayMs: 20,
    kinesisPollIntervalMs: 50,
    ...options,
    stateDir,
  });
  const stop = cloud.stop.bind(cloud);
  return Object.assign(Object.create(cloud) as LocalCloud, {
    ...cloud,
    async stop() {
      await stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  });
}

export async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return defined(got.Body, `the body of s3://${bucket}/${key}`).transformToString();
}

/** Every key under `prefix` (all keys by default), sorted: the local stages' listing. */
export function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  return listStageKeys(s3, bucket, prefix);
}

/** Receives up to `max` message bodies, parsed as JSON of the shape `T`, waiting at most ~1 s for the first. */
export async function receiveJson<T>(sqs: SQSClient, queueUrl: string, max = 10): Promise<T[]> {
  const got = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: max, WaitTimeSeconds: 1 }),
  );
  return (got.Messages ?? []).map((m) => JSON.parse(defined(m.Body, 'a message body')) as T);
}

/** A stack output of the local cloud, by its name. */
export function output(cloud: LocalCloud, name: string): string {
  return defined(cloud.outputs[name], `the stack output ${name}`);
}

/** The name of the one bucket whose logical id matches `pattern`. */
export function bucketName(cloud: LocalCloud, pattern: RegExp): string {
  return defined(
    Object.entries(cloud.resources.buckets).find(([id]) => pattern.test(id))?.[1],
    `a bucket matching ${pattern}`,
  ).name;
}
