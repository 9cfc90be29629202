/**
 * The local cloud's S3 answers conditional writes as S3 does (fauxqs alone ignores them):
 * the answers on the wire, and CompleteMultipartUpload's conditions, with 409 when the key
 * was written during the upload. The storage contract (test/storage/s3-store.test.ts)
 * checks the same through the port, racing writers included.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';

const bucket = 'conditions';

/** A raw PUT, so the test sees the status and the error document as sent. */
function rawPut(endpoint: string, key: string, headers: Record<string, string | number>) {
  const url = new URL(`/${bucket}/${key}`, endpoint);
  let answered: (status: number | undefined, body: string) => void = () => {};
  const answer = new Promise<{ status: number | undefined; body: string }>(
    (resolve) => (answered = (status, body) => resolve({ status, body })),
  );
  const put = request(url, { method: 'PUT', headers }, (response) => {
    let body = '';
    response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    response.on('end', () => answered(response.statusCode, body));
  });
  put.flushHeaders();
  return { put, answer };
}

async function putOnce(endpoint: string, key: string, body: string, headers: Record<string, string> = {}) {
  const { put, answer } = rawPut(endpoint, key, { 'content-length': Buffer.byteLength(body), ...headers });
  put.end(body);
  return answer;
}

describe("the local cloud's S3: conditional writes", () => {
  let local: TestEmulators;
  beforeAll(async () => {
    local = await startTestEmulators();
    await local.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(() => local?.stop());

  const text = async (key: string) =>
    (await local.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();

  it('answers a condition that does not hold with S3 error documents, and stores nothing', async () => {
    const first = await putOnce(local.endpoints.s3, 'wire.json', 'v1', { 'if-none-match': '*' });
    expect(first.status).toBe(200);
    const again = await putOnce(local.endpoints.s3, 'wire.json', 'v2', { 'if-none-match': '*' });
    expect(again.status).toBe(412);
    expect(again.body).toContain('<Code>PreconditionFailed</Code>');
    expect(again.body).toContain('<Condition>If-None-Match</Condition>');
    const stale = await putOnce(local.endpoints.s3, 'wire.json', 'v3', { 'if-match': '"not-the-etag"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toContain('<Condition>If-Match</Condition>');
    const missing = await putOnce(local.endpoints.s3, 'absent.json', 'v1', { 'if-match': '"any"' });
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('<Code>NoSuchKey</Code>');
    expect(await text('wire.json')).toBe('v1');
  });

  it("judges CompleteMultipartUpload's conditions", async () => {
    const complete = async (key: string, ifNoneMatch?: string) => {
      const { UploadId } = await local.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const part = await local.s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: `parts of ${key}` }),
      );
      return local.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
          IfNoneMatch: ifNoneMatch,
        }),
      );
    };
    await complete('multi.bin', '*');
    expect(await text('multi.bin')).toBe('parts of multi.bin');
    await local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'taken.bin', Body: 'first' }));
    await expect(complete('taken.bin', '*')).rejects.toMatchObject({ name: 'PreconditionFailed' });
    expect(await text('taken.bin')).toBe('first');
  });

  it('answers 409 to a conditional CompleteMultipartUpload whose key was written while its parts went up', async () => {
    const key = 'raced.bin';
    const { UploadId } = await local.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const part = await local.s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'the parts' }),
    );
    await local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'written meanwhile' }));
    const completed = local.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        IfMatch: (await local.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).ETag,
      }),
    );
    await expect(completed).rejects.toMatchObject({
      name: 'ConditionalRequestConflict',
      $metadata: { httpStatusCode: 409 },
    });
    expect(await text(key)).toBe('written meanwhile');
  });
});
