/**
 * Emulators for tests: one call starts S3, SQS and SNS (fauxqs) and Kinesis (kinesalite) on free
 * loopback ports and gives SDK clients already pointed at them. Stop it in afterAll.
 *
 *   const local = await startTestEmulators();
 *   await local.s3.send(new CreateBucketCommand({ Bucket: 'b' }));
 *   afterAll(() => local.stop());
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SNSClient } from '@aws-sdk/client-sns';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  startEmulators,
  s3ClientConfig,
  sqsClientConfig,
  snsClientConfig,
  kinesisClientConfig,
  localAwsEnv,
  type Emulators,
  type EmulatorOptions,
} from '#infra/local/emulators.ts';

export {
  startEmulators,
  s3ClientConfig,
  snsClientConfig,
  kinesisClientConfig,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
} from '#infra/local/emulators.ts';
export type { Emulators, S3Upload } from '#infra/local/emulators.ts';

export interface TestEmulators extends Emulators {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly kinesis: KinesisClient;
}

export async function startTestEmulators(options: EmulatorOptions = {}): Promise<TestEmulators> {
  const emulators = await startEmulators(options);
  const s3 = new S3Client(s3ClientConfig(emulators));
  const sqs = new SQSClient(sqsClientConfig(emulators));
  const sns = new SNSClient(snsClientConfig(emulators));
  const kinesis = new KinesisClient(kinesisClientConfig(emulators));
  return {
    ...emulators,
    s3,
    sqs,
    sns,
    kinesis,
    async stop() {
      s3.destroy();
      sqs.destroy();
      sns.destroy();
      kinesis.destroy();
      await emulators.stop();
    },
  };
}

/**
 * Sets process.env so that SDK clients created without explicit config (as a handler does)
 * reach the emulators; returns a function that restores the previous values.
 */
export function pointSdkAtEmulators(emulators: Emulators): () => void {
  const previous: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(localAwsEnv(emulators))) {
    previous[name] = process.env[name];
    process.env[name] = value;
  }
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
