/**
 * Where `retention feed` and `retention results` talk to: a deployed stack (names from
 * flags, environment variables, or a `cdk deploy --outputs-file` JSON) with the AWS SDK's
 * usual credentials, or else the running local cloud (`.retention/local-cloud.json`).
 */
import { readFileSync } from 'node:fs';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { kinesisClient, s3Client, sqsClient } from '#aws/clients.ts';
import { UsageError, optional, type Options, type ParsedArgs } from './cli-kit.ts';
import { defaultStateDir, readRunningState } from '#infra/local/state-file.ts';
import { kinesisClientConfig, s3ClientConfig, sqsClientConfig } from '#infra/local/emulators.ts';
import { PREDICTION_OUTPUTS } from '#infra/constructs/prediction.ts';

export const targetOptions: Options = {
  outputs: { type: 'string' },
  stream: { type: 'string' },
  'results-queue': { type: 'string' },
  'data-bucket': { type: 'string' },
};

export const targetUsage = `Target: the running local cloud (npm start) unless a deployed stack is named by
  --outputs FILE         the JSON of \`cdk deploy --outputs-file FILE\`
  --stream NAME          the prediction stream      (or RETENTION_STREAM)
  --results-queue URL    the results queue          (or RETENTION_RESULTS_QUEUE_URL)
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
  const fromOutputs = readOutputs(optional(args, 'outputs'));
  const stream = optional(args, 'stream') ?? process.env.RETENTION_STREAM ?? fromOutputs[PREDICTION_OUTPUTS.stream];
  const resultsQueueUrl =
    optional(args, 'results-queue') ??
    process.env.RETENTION_RESULTS_QUEUE_URL ??
    fromOutputs[PREDICTION_OUTPUTS.results];
  const dataBucket =
    optional(args, 'data-bucket') ??
    process.env.RETENTION_DATA_BUCKET ??
    Object.entries(fromOutputs).find(([k]) => /data.*bucket/i.test(k))?.[1];
  if (stream || resultsQueueUrl || dataBucket) {
    return withClients('AWS', kinesisClient(), s3Client(), sqsClient(), {
      stream,
      resultsQueueUrl,
      dataBucket,
    });
  }
  const state = readRunningState(defaultStateDir());
  if (!state)
    throw new UsageError(
      'no local cloud is running (start one with npm start) and no deployed stack named (--outputs, --stream, --results-queue)',
    );
  const source = { endpoints: state.endpoints as { s3: string; sqs: string; kinesis: string }, region: state.region };
  const resources = state.resources as { buckets?: Record<string, { name: string }> };
  return withClients(
    `the local cloud (pid ${state.pid})`,
    new KinesisClient(kinesisClientConfig(source)),
    new S3Client(s3ClientConfig(source)),
    new SQSClient(sqsClientConfig(source)),
    {
      stream: state.outputs[PREDICTION_OUTPUTS.stream],
      resultsQueueUrl: state.outputs[PREDICTION_OUTPUTS.results],
      dataBucket: Object.entries(resources.buckets ?? {}).find(([id]) => /data/i.test(id))?.[1].name,
    },
  );
}

function withClients(
  where: string,
  kinesis: KinesisClient,
  s3: S3Client,
  sqs: SQSClient,
  names: Pick<PredictionTarget, 'stream' | 'resultsQueueUrl' | 'dataBucket'>,
): PredictionTarget {
  return {
    where,
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

/** `cdk deploy --outputs-file` writes { StackName: { OutputKey: value } }; one stack expected. */
function readOutputs(path: string | undefined): Record<string, string> {
  if (!path) return {};
  let parsed: Record<string, Record<string, string>>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, string>>;
  } catch (error) {
    throw new UsageError(`--outputs ${path}: ${(error as Error).message}`);
  }
  return Object.assign({}, ...Object.values(parsed));
}
