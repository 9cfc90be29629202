/**
 * The local cloud from the product's own synthesized stack (infra/app.ts): an uploaded week
 * reaches the extract Lambda's bundle as a real S3Event and its output appears under
 * extracted/; a corrupt gzip ends, after the async retries, in the on-failure queue.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DEFAULT_BASE_WEEK, weekSpan } from '#core/weeks.ts';
import { dataBucket } from '#infra/local/stages/resources.ts';
import { listKeys, readText, startTestCloud, type LocalCloud } from '#test/support/local-cloud.ts';
import { defined } from '#test/support/defined.ts';

describe('local cloud running the product stack', () => {
  let cloud: LocalCloud;
  let bucket: string;
  const put = (key: string, body: string | Uint8Array) =>
    cloud.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

  beforeAll(async () => {
    cloud = await startTestCloud();
    bucket = dataBucket(cloud).name;
    await put('raw/crm/crm_info.data', '0\tBANK\tUS-CA\tGOOGLE\n1\tHEALTH\tCN-BJ\tTWITTER\n');
    await put('raw/profiles/nosql_user_profile.data', '10\t0\t30\n11\t1\t45\n');
    await cloud.idle();
  });
  afterAll(() => cloud?.stop());

  /** The function the data bucket notifies for raw/events/, from the template's rules. */
  const extractRule = () => {
    const rule = cloud.template.notifications.find((r) => r.kind === 'lambda' && r.prefix.startsWith('raw/events'));
    if (!rule) throw new Error('no notification rule for raw/events/');
    return rule;
  };

  it('extracts an uploaded week in the extract Lambda bundle and writes the manifest under extracted/', async () => {
    const { start } = weekSpan(DEFAULT_BASE_WEEK);
    const lines = [
      `1\t10\t0\tPC\t${start + 100}\tINSPECT\t1`,
      `2\t11\t1\tIPHONE\t${start + 200}\tVIEW_REPORT\t1`,
      `3\t11\t1\tBOGUS\t${start + 300}\tINSPECT\t0`,
    ];
    await put('raw/events/user_events_week0.log', `${lines.join('\n')}\n`);
    await cloud.idle();
    expect(cloud.asyncFailures).toEqual([]);
    const manifests = (await listKeys(cloud.clients.s3, bucket, 'extracted/')).filter((k) =>
      k.endsWith('/manifest.json'),
    );
    expect(manifests).toHaveLength(1);
    const manifest = JSON.parse(await readText(cloud.clients.s3, bucket, defined(manifests[0], 'a manifest')));
    expect(manifest).toMatchObject({
      formatVersion: 2,
      linesRead: 3,
      accepted: 2,
      rejected: { unknown_platform: 1 },
      joined: 2,
    });
  });

  it('sends a corrupt gzip, after the retries, to the on-failure queue with the object key and the reason', async () => {
    const rule = extractRule();
    const config = defined(
      cloud.template.invokeConfigs.find((c) => c.functionLogicalId === rule.targetLogicalId),
      `the invoke config of ${rule.targetLogicalId}`,
    );
    expect(config.onFailure).toBeDefined();
    const queue = defined(
      Object.values(cloud.resources.queues).find((q) => q.arn === cloud.resolve(config.onFailure)),
      'the on-failure queue',
    );
    const gzip = gzipSync(`1\t10\t0\tPC\t1494806400\tINSPECT\t1\n`.repeat(100));
    await put('raw/events/user_events_week1.log.gz', gzip.subarray(0, gzip.length - 10)); // cut short
    await cloud.idle();
    const got = await cloud.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const records = (got.Messages ?? [])
      .map((m) => JSON.parse(defined(m.Body, 'a message body')))
      .filter((r) => r.requestPayload?.Records?.[0]?.s3?.object?.key === 'raw/events/user_events_week1.log.gz');
    expect(records).toHaveLength(1);
    expect(records[0].requestContext.condition).toBe('RetriesExhausted');
    expect(records[0].requestContext.approximateInvokeCount).toBe(config.maximumRetryAttempts + 1);
    expect(records[0].requestPayload.Records[0].s3.object.key).toBe('raw/events/user_events_week1.log.gz');
    expect(records[0].responsePayload.errorMessage).toMatch(/gzip|header|incorrect/i);
  });
});
