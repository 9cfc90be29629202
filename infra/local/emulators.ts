/**
 * The in-process emulators behind the local cloud: fauxqs (S3, SQS and SNS on one endpoint)
 * and kinesalite (Kinesis, in memory, in a worker thread of its own), both on loopback with
 * ports the OS picks. Also the SDK client settings that reach them, so tests and the CLI
 * configure clients one way.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { FauxqsServer, SpyMessage } from 'fauxqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SNSClient } from '@aws-sdk/client-sns';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { startLocalFauxqs } from './fauxqs-adapter.ts';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
/** Dummy credentials: the emulators accept any, the SDK insists on having some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface Endpoints {
  /** fauxqs serves S3, SQS and SNS on the same address. */
  readonly s3: string;
  readonly sqs: string;
  readonly sns: string;
  readonly kinesis: string;
}

export interface S3Upload {
  readonly bucket: string;
  readonly key: string;
  readonly at: number;
}

export interface Emulators {
  readonly endpoints: Endpoints;
  readonly region: string;
  /** The fauxqs server itself, for its programmatic API (createBucket, inspectQueue, spy). */
  readonly fauxqs: FauxqsServer;
  /** Calls `listener` once for every object put (PutObject, multipart complete, copy). Returns an unsubscribe. */
  onS3Upload(listener: (upload: S3Upload) => void): () => void;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  region?: string;
  /** Fixed ports instead of free ones (0 = let the OS pick). */
  s3Port?: number;
  kinesisPort?: number;
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const region = options.region ?? LOCAL_REGION;
  const fauxqs = await startLocalFauxqs(
    {
      port: options.s3Port ?? 0,
      logger: false,
      defaultRegion: region,
      // The spy is how we learn about uploads: fauxqs accepts notification configs but never sends them.
      messageSpies: { bufferSize: 1000 },
    },
    LOCAL_ACCOUNT,
  );
  let kinesis: Awaited<ReturnType<typeof startKinesalite>>;
  try {
    kinesis = await startKinesalite(options.kinesisPort ?? 0);
  } catch (error) {
    await fauxqs.stop();
    throw error;
  }
  const fauxqsAddress = `http://127.0.0.1:${fauxqs.port}`;
  const endpoints: Endpoints = {
    s3: fauxqsAddress,
    sqs: fauxqsAddress,
    sns: fauxqsAddress,
    kinesis: `http://127.0.0.1:${kinesis.port}`,
  };
  const uploads = watchUploads(fauxqs);
  let stopped = false;
  return {
    endpoints,
    region,
    fauxqs,
    onS3Upload: uploads.subscribe,
    async stop() {
      if (stopped) return;
      stopped = true;
      uploads.stop();
      await Promise.all([fauxqs.stop(), kinesis.stop()]);
    },
  };
}

/** kinesalite in its own worker thread (kinesalite-thread.ts); resolves with its port and how to stop it. */
async function startKinesalite(port: number): Promise<{ port: number; stop(): Promise<void> }> {
  const worker = new Worker(new URL('./kinesalite-thread.ts', import.meta.url), {
    name: 'kinesalite',
    workerData: { port },
  });
  const exited = once(worker, 'exit');
  const [first] = (await Promise.race([once(worker, 'message'), once(worker, 'error')])) as [
    { port?: number; error?: string } | Error,
  ];
  if (first instanceof Error || first.port === undefined) {
    await worker.terminate();
    throw new Error(`kinesalite did not start: ${first instanceof Error ? first.message : first.error}`);
  }
  return {
    port: first.port,
    async stop() {
      worker.postMessage('stop');
      // Open connections close with the server; should the thread still hang on, it is ended.
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Follows the fauxqs spy with its public API: each wait resolves with the oldest upload not
 * yet seen, and the next wait is registered in the same microtask turn, so none is missed
 * unless more than the buffer size arrive between two turns of the event loop.
 */
function watchUploads(fauxqs: FauxqsServer) {
  const listeners = new Set<(upload: S3Upload) => void>();
  const seen = new WeakSet<SpyMessage>();
  let running = true;
  const isNewUpload = (m: SpyMessage) => m.service === 's3' && m.status === 'uploaded' && !seen.has(m);
  const loop = async () => {
    while (running) {
      let message: SpyMessage;
      try {
        message = await fauxqs.spy.waitForMessage(isNewUpload);
      } catch {
        if (!running) return; // clear() at stop rejects the pending wait
        continue;
      }
      seen.add(message);
      if (message.service !== 's3') continue;
      const upload = { bucket: message.bucket, key: message.key, at: message.timestamp };
      for (const listener of listeners) {
        try {
          listener(upload);
        } catch {
          // A listener's failure must not stop the delivery to others.
        }
      }
    }
  };
  void loop();
  return {
    subscribe(listener: (upload: S3Upload) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      running = false;
      listeners.clear();
      fauxqs.spy.clear();
    },
  };
}

// ---- SDK client settings ----------------------------------------------------------------

interface ClientBase {
  region: string;
  endpoint: string;
  credentials: typeof LOCAL_CREDENTIALS;
}

type EndpointSource = { endpoints: Endpoints; region?: string };

/** S3 client config: path-style addressing (no bucket subdomains on 127.0.0.1). */
export function s3ClientConfig(source: EndpointSource): ClientBase & { forcePathStyle: true } {
  return {
    region: source.region ?? LOCAL_REGION,
    endpoint: source.endpoints.s3,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  };
}

/** `useQueueUrlAsEndpoint: false`: the SDK would otherwise send to the queue URL's host (sqs.<region>.localhost, which does not resolve). */
export function sqsClientConfig(source: EndpointSource): ClientBase & { useQueueUrlAsEndpoint: false } {
  return {
    region: source.region ?? LOCAL_REGION,
    endpoint: source.endpoints.sqs,
    credentials: LOCAL_CREDENTIALS,
    useQueueUrlAsEndpoint: false,
  };
}

/** SNS client config: nothing special beyond the endpoint. */
export function snsClientConfig(source: EndpointSource): ClientBase {
  return { region: source.region ?? LOCAL_REGION, endpoint: source.endpoints.sns, credentials: LOCAL_CREDENTIALS };
}

/** Kinesis client config: kinesalite speaks HTTP/1.1 only; the SDK's default HTTP/2 handler fails. */
export function kinesisClientConfig(source: EndpointSource): ClientBase & { requestHandler: NodeHttpHandler } {
  return {
    region: source.region ?? LOCAL_REGION,
    endpoint: source.endpoints.kinesis,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  };
}

export interface EmulatorClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly kinesis: KinesisClient;
}

/** SDK clients pointed at the emulators; `destroy` them when done. */
export function createEmulatorClients(source: EndpointSource): EmulatorClients {
  return {
    s3: new S3Client(s3ClientConfig(source)),
    sqs: new SQSClient(sqsClientConfig(source)),
    sns: new SNSClient(snsClientConfig(source)),
    kinesis: new KinesisClient(kinesisClientConfig(source)),
  };
}

/**
 * Environment variables that point an unmodified AWS SDK v3 (a Lambda bundle, the AWS CLI)
 * at the emulators: service endpoints, dummy credentials, region.
 */
export function localAwsEnv(source: EndpointSource): Record<string, string> {
  const region = source.region ?? LOCAL_REGION;
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: source.endpoints.s3,
    AWS_ENDPOINT_URL_SQS: source.endpoints.sqs,
    AWS_ENDPOINT_URL_SNS: source.endpoints.sns,
    AWS_ENDPOINT_URL_KINESIS: source.endpoints.kinesis,
  };
}
