/**
 * A missing object as a least-privilege role sees it: S3 answers a GET or HEAD of a missing
 * key with 403 AccessDenied, not 404, to a caller without an unconditioned s3:ListBucket.
 * The emulator has no IAM, so this test turns its 404s into those 403s (a client middleware:
 * the one stand-in here, for a refusal no emulator makes) and checks that the adapter still
 * tells "not there" (listing the key, which the role's s3:prefix condition allows) from a
 * real refusal (the listing refused too, or the key there).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '#aws/s3-store.ts';
import { ModelCache } from '#aws/prediction/model-cache.ts';
import { ObjectNotFoundError, ObjectReadError } from '#core/storage/port.ts';
import { readTextIfExists } from '#core/storage/reads.ts';
import { s3ClientConfig, startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';

const bucket = 'least-privilege';
const accessDenied = () =>
  Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });

/** A client that gets what a role without bucket-wide listing gets; `mayList` says whether its listings pass. */
function roleClient(local: TestEmulators, mayList: boolean): S3Client {
  const s3 = new S3Client(s3ClientConfig(local));
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'ListObjectsV2Command' && !mayList) throw accessDenied();
      try {
        return await next(args);
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (['GetObjectCommand', 'HeadObjectCommand'].includes(String(context.commandName)) && status === 404)
          throw accessDenied();
        throw error;
      }
    },
    { step: 'initialize', name: 'asLeastPrivilegeRole' },
  );
  return s3;
}

describe('a missing object behind a 403', () => {
  let local: TestEmulators;
  beforeAll(async () => {
    local = await startTestEmulators();
    await local.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'models/current.json.bak', Body: '{}' }));
  });
  afterAll(() => local?.stop());

  it('is missing when the role may list the key: head, if-exists reads and the model pointer say so', async () => {
    const s3 = roleClient(local, true);
    const store = new S3ObjectStore(s3, bucket);
    expect(await store.head('extracted/week=3/_COMPLETE.json')).toBeUndefined();
    expect(await readTextIfExists(store, 'models/current.json')).toBeUndefined(); // a longer key shares its prefix
    await expect(readTextIfExists(store, 'models/none.json')).resolves.toBeUndefined();
    const cache = new ModelCache({ s3, bucket, refreshSeconds: 60 });
    await expect(cache.current()).resolves.toBeUndefined(); // no model yet, not an error
    s3.destroy();
  });

  it('stays a refusal, saying so, when the listing is refused too', async () => {
    const s3 = roleClient(local, false);
    const store = new S3ObjectStore(s3, bucket);
    const refused = await store.head('models/current.json').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ObjectReadError);
    expect(refused).not.toBeInstanceOf(ObjectNotFoundError);
    expect(String(refused)).toMatch(/access denied/);
    await expect(new ModelCache({ s3, bucket, refreshSeconds: 60 }).current()).rejects.toThrow(/Access Denied/);
    s3.destroy();
  });
});
