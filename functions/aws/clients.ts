/**
 * AWS SDK clients made one way everywhere. The SDK itself reads AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_<SERVICE> (the local cloud sets them); what it cannot infer is added here:
 * path-style S3 addressing when S3 is overridden (the emulator has no virtual-host DNS), SQS
 * requests to the overridden endpoint rather than the queue URL's host, and
 * an HTTP/1.1 handler for Kinesis when it is overridden (kinesalite fails on HTTP/2).
 */
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

type Env = Readonly<Record<string, string | undefined>>;

/** The endpoint override for a service (`S3`, `SQS`, `KINESIS`, `SFN`), if any. */
function endpointOverride(service: string, env: Env = process.env): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}

export function s3Client(config: S3ClientConfig = {}, env: Env = process.env): S3Client {
  const overridden = endpointOverride('S3', env) !== undefined || config.endpoint !== undefined;
  return new S3Client({ ...(overridden ? { forcePathStyle: true } : {}), ...config });
}

export function sqsClient(config: SQSClientConfig = {}, env: Env = process.env): SQSClient {
  // Overridden (the local cloud): send to the endpoint, not to the queue URL's host (sqs.<region>.localhost does not resolve).
  const overridden = endpointOverride('SQS', env) !== undefined || config.endpoint !== undefined;
  return new SQSClient({ ...(overridden ? { useQueueUrlAsEndpoint: false } : {}), ...config });
}

/** SNS needs nothing special: the SDK reads AWS_ENDPOINT_URL_SNS itself. */
export function snsClient(config: SNSClientConfig = {}): SNSClient {
  return new SNSClient(config);
}

export function kinesisClient(config: KinesisClientConfig = {}, env: Env = process.env): KinesisClient {
  const overridden = endpointOverride('KINESIS', env) !== undefined || config.endpoint !== undefined;
  return new KinesisClient({ ...(overridden ? { requestHandler: new NodeHttpHandler() } : {}), ...config });
}

/** An environment variable a handler cannot run without, with a readable error. */
export function requireEnv(name: string, env: Env = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set (the stack sets it on the function)`);
  return value;
}
