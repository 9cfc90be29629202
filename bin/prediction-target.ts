/**
 * Where `retention feed` and `retention results` talk to (stack-target.ts): the stream, the
 * command line's own results queue and the data bucket, from the stack's outputs unless a
 * flag names one, with SDK clients for that cloud.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { kinesisClient, s3Client, sqsClient } from '#aws/clients.ts';
import type { Options, ParsedArgs } from './cli-kit.ts';
import { kinesisClientConfig, s3ClientConfig, sqsClientConfig } from '#infra/local/emulators.ts';
import { STACK_OUTPUTS } from '#infra/stack-outputs.ts';
import { findStack, resourceName, stackOptions, stackUsage } from './stack-target.ts';

export const targetOptions: Options = {
  ...stackOptions,
  stream: { type: 'string' },
  'results-queue': { type: 'string' },
  'data-bucket': { type: 'string' },
};

export const targetUsage = `${stackUsage}
Resources come from the stack's outputs; each can be named instead:
  --stream NAME          the prediction stream      (or RETENTION_STREAM)
  --results-queue URL    the queue results are read from (or RETENTION_RESULTS_QUEUE_URL;
                         default: the command line's own, CommandLineResultsQueueUrl)
  --data-bucket NAME     the data bucket            (or RETENTION_DATA_BUCKET)`;

export interface PredictionTarget {
  readonly where: string;
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly stream?: string;
  readonly resultsQueueUrl?: string;
  readonly dataBucket?: string;
  destroy(): void;
}

export function findPredictionTarget(args: ParsedArgs): PredictionTarget {
  const target = findStack(args);
  const names = {
    stream: resourceName(args, target, { flag: 'stream', env: 'RETENTION_STREAM', output: STACK_OUTPUTS.stream }),
    resultsQueueUrl: resourceName(args, target, {
      flag: 'results-queue',
      env: 'RETENTION_RESULTS_QUEUE_URL',
      output: STACK_OUTPUTS.commandLineResults,
    }),
    dataBucket: resourceName(args, target, {
      flag: 'data-bucket',
      env: 'RETENTION_DATA_BUCKET',
      output: STACK_OUTPUTS.dataBucket,
    }),
  };
  const local = target.local;
  const kinesis = local ? new KinesisClient(kinesisClientConfig(local)) : kinesisClient();
  const s3 = local ? new S3Client(s3ClientConfig(local)) : s3Client();
  const sqs = local ? new SQSClient(sqsClientConfig(local)) : sqsClient();
  return {
    where: target.where,
    kinesis,
    s3,
    sqs,
    ...names,
    destroy() {
      kinesis.destroy();
      s3.destroy();
      sqs.destroy();
    },
  };
}
