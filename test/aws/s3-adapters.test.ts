/**
 * The S3 adapters on emulated S3 (fauxqs) through the real SDK: streaming reads with gunzip
 * on the way, readable errors, streamed multipart uploads, listing; and the client factories.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { kinesisClient, s3Client, sqsClient } from '../../functions/aws/clients.ts';
import {
  listObjects,
  objectChunks,
  ObjectReadError,
  readJsonIfExists,
  readObjectText,
} from '../../functions/aws/s3-read.ts';
import { putJson, uploadStream } from '../../functions/aws/s3-write.ts';
import { startS3Fixture, type S3Fixture } from '../handlers/extract-fixtures.ts';

describe('S3 adapters', () => {
  let s3: S3Fixture;
  beforeAll(async () => {
    s3 = await startS3Fixture('adapters');
  });
  afterAll(() => s3?.stop());
  const ref = (key: string) => ({ bucket: 'adapters', key });

  it('gunzips a .gz object as it streams, in more than one chunk, and hashes the bytes as stored', async () => {
    const text = Array.from({ length: 200_000 }, (_, i) => `line ${i}\t${i * 7}`).join('\n');
    const stored = gzipSync(text);
    await s3.put('big.log.gz', stored);
    let raw = 0;
    const chunks: Uint8Array[] = [];
    for await (const chunk of objectChunks(s3.s3, ref('big.log.gz'), (c) => (raw += c.length))) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).toString()).toBe(text);
    expect(raw).toBe(stored.length);
  });

  it('leaves objects without .gz as stored', async () => {
    const gz = gzipSync('x');
    await s3.put('plain.bin', gz);
    const chunks: Uint8Array[] = [];
    for await (const chunk of objectChunks(s3.s3, ref('plain.bin'))) chunks.push(chunk);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(gz));
  });

  it('fails a truncated gzip with the object and the reason', async () => {
    const gz = gzipSync(randomBytes(100_000).toString('hex'));
    await s3.put('cut.gz', gz.subarray(0, gz.length - 100));
    const error = await readObjectText(s3.s3, ref('cut.gz')).catch((e) => e);
    expect(error).toBeInstanceOf(ObjectReadError);
    expect(error.message).toMatch(/^s3:\/\/adapters\/cut\.gz: (not a valid gzip stream|unexpected end of file)/);
  });

  it('says "no such object" for a missing key and undefined where absence is expected', async () => {
    await expect(readObjectText(s3.s3, ref('nope.txt'))).rejects.toThrow('s3://adapters/nope.txt: no such object');
    expect(await readJsonIfExists(s3.s3, ref('nope.json'))).toBeUndefined();
  });

  it('streams a big output as a multipart upload, gzipped on the way', async () => {
    const piece = 'x'.repeat(1023) + '\n';
    const pieces = function* () {
      for (let i = 0; i < 12 * 1024; i++) yield piece; // 12 MiB of text
    };
    const { bytes } = await uploadStream(s3.s3, ref('out/multi.txt'), pieces(), { partSize: 5 * 1024 * 1024 });
    expect(bytes).toBe(12 * 1024 * 1024);
    const back = await readObjectText(s3.s3, ref('out/multi.txt'));
    expect(back.length).toBe(12 * 1024 * 1024);
    const gz = await uploadStream(s3.s3, ref('out/multi.txt.gz'), pieces(), { gzip: true });
    expect(gz.bytes).toBeLessThan(1024 * 1024);
    expect((await readObjectText(s3.s3, ref('out/multi.txt.gz'))).length).toBe(12 * 1024 * 1024);
  });

  it('lists every object under a prefix in key order', async () => {
    await putJson(s3.s3, ref('list/b.json'), { b: 1 });
    await putJson(s3.s3, ref('list/a.json'), { a: 1 });
    await putJson(s3.s3, ref('listing-not/c.json'), {});
    expect((await listObjects(s3.s3, 'adapters', 'list/')).map((o) => o.key)).toEqual(['list/a.json', 'list/b.json']);
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
