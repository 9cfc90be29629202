/**
 * fauxqs (S3 + SQS) started the way the local cloud needs it. Two things it cannot be told
 * through its options (fauxqs 2.4.1, pinned) are patched here, and only here, each with its
 * reason; test/local/emulators.test.ts checks both results (loopback only, queue URL shape).
 */
import { Server as NetServer } from 'node:net';
import { startFauxqs, type FauxqsServer } from 'fauxqs';

type FauxqsOptions = NonNullable<Parameters<typeof startFauxqs>[0]>;

/** Starts fauxqs on 127.0.0.1 with queue URLs on the address the client used. */
export async function startLocalFauxqs(options: FauxqsOptions, account: string): Promise<FauxqsServer> {
  await queueUrlsOnRequestHost(account);
  return onLoopback(() => startFauxqs(options));
}

/**
 * Why: startFauxqs always listens on 0.0.0.0 (no host option reaches `listen`), which would
 * expose an unauthenticated S3/SQS to the network. While it starts, listen calls for 0.0.0.0
 * are narrowed to 127.0.0.1; the prototype is restored as soon as it has started.
 */
async function onLoopback<T>(start: () => Promise<T>): Promise<T> {
  const original = NetServer.prototype.listen;
  NetServer.prototype.listen = function (this: NetServer, ...args: unknown[]) {
    const first = args[0] as { host?: string } | undefined;
    if (first && typeof first === 'object' && first.host === '0.0.0.0') args[0] = { ...first, host: '127.0.0.1' };
    return (original as (...a: unknown[]) => NetServer).apply(this, args);
  } as typeof original;
  try {
    return await start();
  } finally {
    NetServer.prototype.listen = original;
  }
}

let queueUrlsPatched = false;

/**
 * Why: fauxqs names queues `http://sqs.<region>.localhost:<port>/…` (its `host` option can
 * change the last part, never drop the `sqs.<region>.` prefix). That host does not resolve
 * here, and the SDK sends SQS calls to the queue URL's host unless the client's endpoint was
 * set in code (an AWS_ENDPOINT_URL_SQS variable is not enough), so clients configured by the
 * environment alone (the AWS CLI, users' consumers) could not send. Queue URLs carry the address the client used
 * instead (http://127.0.0.1:<port>/…), which is what fauxqs itself does when its store has
 * no host; its lookups go by queue name. The store class is not exported, hence the path.
 */
async function queueUrlsOnRequestHost(account: string): Promise<void> {
  if (queueUrlsPatched) return;
  const storeModule = new URL('../../node_modules/fauxqs/dist/sqs/sqsStore.js', import.meta.url);
  const { SqsStore } = (await import(storeModule.href)) as {
    SqsStore: { prototype: { buildQueueUrl(name: string, port: string, requestHost: string, region: string): string } };
  };
  SqsStore.prototype.buildQueueUrl = (name, _port, requestHost) => `http://${requestHost}/${account}/${name}`;
  queueUrlsPatched = true;
}
