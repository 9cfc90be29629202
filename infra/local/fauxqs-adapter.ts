/**
 * fauxqs (S3 + SQS) started the way the local cloud needs it. Three things it cannot be told
 * through its options (fauxqs 2.4.1, pinned) are patched here, and only here, each with its
 * reason; test/local/emulators.test.ts checks the first two (loopback only, queue URL shape),
 * the storage contract (test/storage/) the third (conditional writes).
 */
import type { Server as HttpServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { honourConditionalWrites } from './conditional-writes.ts';

type FauxqsOptions = NonNullable<Parameters<typeof startFauxqs>[0]>;

/**
 * Starts fauxqs on 127.0.0.1 with queue URLs on the address the client used, and S3's
 * conditional writes honoured. Why the last: fauxqs stores a PutObject whatever its
 * If-Match / If-None-Match say, and Publish relies on them (conditional-writes.ts).
 */
export async function startLocalFauxqs(options: FauxqsOptions, account: string): Promise<FauxqsServer> {
  await queueUrlsOnRequestHost(account);
  const { started, server } = await onLoopback(() => startFauxqs(options));
  honourConditionalWrites(server);
  return started;
}

/**
 * Why: startFauxqs always listens on 0.0.0.0 (no host option reaches `listen`), which would
 * expose an unauthenticated S3/SQS to the network. While it starts, listen calls for 0.0.0.0
 * are narrowed to 127.0.0.1; the prototype is restored as soon as it has started. The server
 * that listened is fauxqs's HTTP server (it exposes none), kept for the conditional writes.
 */
async function onLoopback<T>(start: () => Promise<T>): Promise<{ started: T; server: HttpServer }> {
  const original = NetServer.prototype.listen;
  let server: HttpServer | undefined;
  NetServer.prototype.listen = function (this: NetServer, ...args: unknown[]) {
    const first = args[0] as { host?: string } | undefined;
    if (first && typeof first === 'object' && first.host === '0.0.0.0') {
      args[0] = { ...first, host: '127.0.0.1' };
      server = this as HttpServer;
    }
    return (original as (...a: unknown[]) => NetServer).apply(this, args);
  } as typeof original;
  try {
    const started = await start();
    if (!server) throw new Error('fauxqs started without listening on 0.0.0.0: the loopback patch needs a look');
    return { started, server };
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
