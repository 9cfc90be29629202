/**
 * The S3 adapter of the storage port on emulated S3 (fauxqs) through the real SDK: the
 * port's contract, then what is S3's own: multipart uploads, the paginator, the conditions
 * sent on the wire and S3's 412 reported as the port's precondition failure; and the client
 * factories.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { kinesisClient, s3Client, sqsClient } from '#aws/clients.ts';
import { listFolders, listKeys, listPages } from '#aws/s3-list.ts';
import { S3ObjectStore, s3Store } from '#aws/s3-store.ts';
import { readText } from '#core/storage/reads.ts';
import { PreconditionFailedError } from '#core/storage/port.ts';
import { startS3Fixture, type S3Fixture } from '#test/extraction/handlers/extract-fixtures.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#test/support/emulators.ts';
import { describeStorageContract } from './contract.ts';

let s3: S3Fixture;
let buckets = 0;
beforeAll(async () => {
  s3 = await startS3Fixture('adapters');
});
afterAll(() => s3?.stop());

// Conditional writes included: the local cloud's layer in front of fauxqs judges them as S3 does.
describeStorageContract('S3 adapter on fauxqs', async () => {
  const bucket = `contract-${buckets++}`;
  await s3.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return s3Store(s3.s3, bucket);
});

describe('S3 adapter', () => {
  // Text that compresses as logs do (a few times), not as one repeated byte (which reads refuse).
  const words = ['IPHONE', 'ANDROID', 'PC', 'INSPECT', 'VIEW_REPORT', 'SHARE_TPL', '1494235194', '0', '1'];
  const piece = (i: number) => {
    let line = `${i}`;
    for (let seed = i; line.length < 1023; seed = (seed * 1103515245 + 12345) % 2 ** 31) {
      line += `\t${words[seed % words.length]}${seed % 1000}`;
    }
    return line.slice(0, 1023) + '\n';
  };
  const pieces = function* () {
    for (let i = 0; i < 12 * 1024; i++) yield piece(i); // 12 MiB of text
  };

  it('streams a big output as a multipart upload, gzipped on the way', async () => {
    const store = new S3ObjectStore(s3.s3, 'adapters', { partBytes: 5 * 1024 * 1024 });
    const { bytes } = await store.writeStream('out/multi.txt', pieces());
    expect(bytes).toBe(12 * 1024 * 1024);
    expect((await readText(store, 'out/multi.txt')).length).toBe(12 * 1024 * 1024);
    const gz = await store.writeStream('out/multi.txt.gz', pieces(), { gzip: true });
    expect(gz.bytes).toBeLessThan(6 * 1024 * 1024);
    expect((await readText(store, 'out/multi.txt.gz')).length).toBe(12 * 1024 * 1024);
  });

  it('writes a large body in parts, a small one in one PUT', async () => {
    const store = new S3ObjectStore(s3.s3, 'adapters', { partBytes: 5 * 1024 * 1024 });
    const big = Buffer.from([...pieces()].slice(0, 6 * 1024).join(''));
    const written = await store.write('out/big.bin', big);
    expect(written.etag).toMatch(/-2"$/); // a multipart ETag names its part count
    expect((await store.head('out/big.bin'))?.size).toBe(big.length);
    expect((await store.write('out/small.json', '{}')).etag).not.toMatch(/-\d+"$/);
  });

  it('lists across pages, and one level of folders', async () => {
    for (const key of ['p/a/1', 'p/a/2', 'p/b/3', 'p/c', 'p/d', 'q/e']) await s3.put(key, key);
    const pages = [];
    for await (const page of listPages(s3.s3, { bucket: 'adapters', prefix: 'p/', pageSize: 2 })) pages.push(page);
    expect(pages.length).toBeGreaterThan(1);
    expect(await listKeys(s3.s3, 'adapters', 'p/')).toEqual(['p/a/1', 'p/a/2', 'p/b/3', 'p/c', 'p/d']);
    expect(await listFolders(s3.s3, 'adapters', 'p/')).toEqual(['p/a/', 'p/b/']);
  });

  it('sends the conditions of a conditional write to S3', async () => {
    const sent: Record<string, string>[] = [];
    const client = s3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    client.middlewareStack.add(
      (next) => async (args) => {
        sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordHeaders' },
    );
    const store = s3Store(client, 'adapters');
    await store.write('cond/a.json', '{}', { ifNoneMatch: '*' });
    await expect(store.write('cond/a.json', '{}', { ifMatch: '"abc"' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    client.destroy();
    expect(sent.map((h) => [h['if-none-match'], h['if-match']])).toEqual([
      ['*', undefined],
      [undefined, '"abc"'],
    ]);
  });

  describe("S3's 412 answer", () => {
    let server: Server;
    let endpoint: string;
    beforeAll(async () => {
      // What S3 answers a PutObject whose condition does not hold (fauxqs never does).
      server = createServer((request, response) => {
        request.resume();
        response.writeHead(412, { 'content-type': 'application/xml' });
        response.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>' +
            '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
            '<Condition>If-None-Match</Condition></Error>',
        );
      }).listen(0, '127.0.0.1');
      await once(server, 'listening');
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('is reported as the port’s PreconditionFailedError', async () => {
      const client = new S3Client({
        endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        forcePathStyle: true,
      });
      const error = await s3Store(client, 'data')
        .write('models/current.json', '{}', { ifNoneMatch: '*' })
        .catch((e: unknown) => e);
      client.destroy();
      expect(error).toBeInstanceOf(PreconditionFailedError);
      expect((error as Error).message).toBe(
        'writing s3://data/models/current.json: precondition failed (no object yet)',
      );
    });
  });
});

describe('client factories', () => {
  it('uses path-style S3 addressing only when the endpoint is overridden', async () => {
    expect(await s3Client({}, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' }).config.forcePathStyle).toBe(true);
    expect(await s3Client({}, { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }).config.forcePathStyle).toBe(true);
    expect(s3Client({}, {}).config.forcePathStyle).toBeFalsy();
  });

  it('sends SQS requests to an overridden endpoint, not to the host a queue URL names', async () => {
    const local = sqsClient({}, { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:1' });
    expect(local.config.useQueueUrlAsEndpoint).toBe(false);
    expect(sqsClient({}, {}).config.useQueueUrlAsEndpoint).not.toBe(false);
  });

  it('talks HTTP/1.1 to an overridden Kinesis endpoint (kinesalite fails on HTTP/2)', () => {
    expect(kinesisClient({}, { AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:1' }).config.requestHandler).toBeInstanceOf(
      NodeHttpHandler,
    );
    expect(kinesisClient({}, {}).config.requestHandler).not.toBeInstanceOf(NodeHttpHandler);
  });
});
