/**
 * How `retention feed` and `retention results` find their resources: by the stack's outputs
 * (never the first bucket whose id says "data": the access-log bucket is listed first), with a
 * flag replacing one name without leaving the running local cloud.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command as feed } from '#bin/commands/feed.ts';
import { parseCommandArgs } from '#bin/cli-kit.ts';
import { findPredictionTarget } from '#bin/prediction-target.ts';

describe('the prediction commands’ target', () => {
  let stateDir: string;
  const previous = process.env.RETENTION_STATE_DIR;

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'prediction-target-'));
    process.env.RETENTION_STATE_DIR = stateDir;
    // A running local cloud as its state file says it: a live pid (this test's parent) and its outputs.
    const state = {
      formatVersion: 1,
      pid: process.ppid,
      startedAt: new Date().toISOString(),
      region: 'us-east-1',
      endpoints: {
        s3: 'http://127.0.0.1:1',
        sqs: 'http://127.0.0.1:1',
        sns: 'http://127.0.0.1:1',
        kinesis: 'http://127.0.0.1:2',
      },
      resources: {
        buckets: {
          DataLakeAccessLogs1234: { name: 'retentionforest-datalakeaccesslogs1234' },
          DataLakeDataBucket5678: { name: 'retentionforest-datalakedatabucket5678' },
        },
      },
      outputs: {
        DataBucketName: 'retentionforest-datalakedatabucket5678',
        PredictionStreamName: 'RetentionForest-PredictionStream',
        PredictionResultsQueueUrl: 'http://127.0.0.1:1/000000000000/users-queue',
        CommandLineResultsQueueUrl: 'http://127.0.0.1:1/000000000000/command-line-queue',
      },
    };
    writeFileSync(join(stateDir, 'local-cloud.json'), JSON.stringify(state));
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.RETENTION_STATE_DIR;
    else process.env.RETENTION_STATE_DIR = previous;
    rmSync(stateDir, { recursive: true, force: true });
  });

  const targetOf = (...argv: string[]) => findPredictionTarget(parseCommandArgs(feed, ['--week', '1', ...argv]));

  it("takes the data bucket, the stream and the command line's own results queue from the outputs", () => {
    const target = targetOf();
    expect(target.where).toBe(`the local cloud (pid ${process.ppid})`);
    expect(target.dataBucket).toBe('retentionforest-datalakedatabucket5678');
    expect(target.stream).toBe('RetentionForest-PredictionStream');
    expect(target.resultsQueueUrl).toBe('http://127.0.0.1:1/000000000000/command-line-queue');
    target.destroy();
  });

  it('lets --data-bucket replace one name while staying on the local cloud', () => {
    const target = targetOf('--data-bucket', 'my-bucket');
    expect(target.where).toBe(`the local cloud (pid ${process.ppid})`);
    expect(target.dataBucket).toBe('my-bucket');
    expect(target.stream).toBe('RetentionForest-PredictionStream');
    target.destroy();
  });

  it('goes to AWS with --aws, or with --outputs from cdk deploy, whose names it uses', () => {
    const aws = targetOf('--aws');
    expect(aws.where).toBe('AWS');
    expect(aws.stream).toBeUndefined();
    aws.destroy();
    const file = join(stateDir, 'outputs.json');
    writeFileSync(file, JSON.stringify({ RetentionForest: { PredictionStreamName: 'deployed', DataBucketName: 'b' } }));
    const deployed = targetOf('--outputs', file);
    expect([deployed.where, deployed.stream, deployed.dataBucket]).toEqual(['AWS', 'deployed', 'b']);
    deployed.destroy();
  });
});
