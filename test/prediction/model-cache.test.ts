/**
 * The model cache on emulated S3: nothing published → undefined; one HeadObject per refresh
 * interval while the pointer is unchanged; a re-check that cannot reach S3 keeps the cached model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startTestEmulators, s3ClientConfig, type TestEmulators } from '#test/support/emulators.ts';
import { ModelCache } from '#aws/prediction/model-cache.ts';
import { publishModel, trainTinyModel } from './fixtures.ts';

describe('model cache', () => {
  let local: TestEmulators;
  beforeAll(async () => {
    local = await startTestEmulators();
    await local.s3.send(new CreateBucketCommand({ Bucket: 'data' }));
  });
  afterAll(() => local?.stop());

  it('loads once, re-checks by ETag only after the interval, and survives an unreachable S3', async () => {
    // The S3 the cache uses: the emulator, counting calls, or (once `down`) a closed port — a real connection error.
    const broken = new S3Client({ ...s3ClientConfig(local), endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    const calls: string[] = [];
    let down = false;
    const s3 = Object.create(local.s3) as S3Client;
    s3.send = ((command: Parameters<S3Client['send']>[0]) => {
      calls.push(
        command instanceof HeadObjectCommand
          ? 'head'
          : command instanceof GetObjectCommand
            ? `get ${command.input.Key}`
            : 'other',
      );
      return (down ? broken : local.s3).send(command);
    }) as S3Client['send'];
    let clock = 0;
    const errors: Error[] = [];
    const cache = new ModelCache({
      s3,
      bucket: 'data',
      refreshSeconds: 60,
      now: () => clock,
      onRefreshError: (e) => errors.push(e),
    });

    expect(await cache.current()).toBeUndefined();
    await publishModel(local.s3, 'data', 'v1', await trainTinyModel(1));
    clock += 1000; // no model cached: every call checks
    expect((await cache.current())?.version).toBe('v1');
    calls.length = 0;
    clock += 30_000;
    await cache.current();
    expect(calls).toEqual([]);
    clock += 31_000;
    await Promise.all([cache.current(), cache.current()]);
    expect(calls).toEqual(['head']); // unchanged ETag: no GetObject, one check for both callers
    down = true;
    clock += 61_000;
    expect((await cache.current())?.version).toBe('v1');
    expect(errors).toHaveLength(1);
    broken.destroy();
  });
});
