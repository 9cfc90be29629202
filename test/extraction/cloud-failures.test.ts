/**
 * Extraction in the local cloud running the product stack: a week whose lines are mostly
 * rejected ends in the extraction failure queue and starts no training, and npm start's
 * extraction block names the file and the reasons; CRM and profile tables uploaded together
 * are joined, one rejoin at a time, into every part with the newest of both.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DEFAULT_BASE_WEEK, weekSpan } from '#core/weeks.ts';
import { extraction } from '#infra/local/stages/extraction.ts';
import { dataBucket } from '#infra/local/stages/resources.ts';
import { listKeys, output, readText, receiveJson, startTestCloud, type LocalCloud } from '#test/support/local-cloud.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const CRM = '0\tBANK\tUS-CA\tGOOGLE\n1\tHEALTH\tCN-BJ\tTWITTER\n';
const PROFILES = '10\t0\t30\n11\t1\t45\n';

/** What the extract function's on-failure destination receives (the fields read here). */
interface FailureRecord {
  requestContext: { condition: string };
  requestPayload: { Records: [{ s3: { object: { key: string } } }] };
  responsePayload: { errorType: string; errorMessage: string };
}

describe('extraction failures and table races in the local cloud', () => {
  let cloud: LocalCloud;
  let bucket: string;
  const put = (key: string, body: string) =>
    cloud.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const manifestOf = async (week: string, part: string) =>
    JSON.parse(await readText(cloud.clients.s3, bucket, `extracted/week=${week}/part=${part}/manifest.json`));

  beforeAll(async () => {
    cloud = await startTestCloud();
    bucket = dataBucket(cloud).name;
    await put('raw/crm/crm_info.data', CRM);
    await put('raw/profiles/nosql_user_profile.data', PROFILES);
    await cloud.idle();
    const { start } = weekSpan('0', DEFAULT_BASE_WEEK);
    await put(
      'raw/events/user_events_week0.log',
      `1\t10\t0\tPC\t${start + 100}\tINSPECT\t1\n2\t11\t1\tPC\t${start + 200}\tINSPECT\t1\n`,
    );
    await cloud.idle();
  });
  afterAll(() => cloud?.stop());

  it('sends a week of bad lines to the failure queue, marks it failed, not complete, and trains nothing', async () => {
    const key = 'raw/events/user_events_week1.log';
    await put(key, 'these are\tnot event lines\n'.repeat(3));
    await cloud.idle();

    const manifest = await manifestOf('1', 'user_events_week1.log');
    expect(manifest.verdict).toEqual({
      status: 'failed',
      message: expect.stringMatching(
        /^raw\/events\/user_events_week1\.log: 3 of 3 lines rejected \(100 %: field_count 3\), nothing accepted; expected 7 tab-separated fields/,
      ),
    });
    const keys = await listKeys(cloud.clients.s3, bucket, 'extracted/');
    expect(keys).toContain('extracted/week=0/_COMPLETE.json');
    expect(keys).not.toContain('extracted/week=1/_COMPLETE.json');
    expect(cloud.stepFunctions.executions.size).toBe(0);

    const failures = await receiveJson<FailureRecord>(cloud.clients.sqs, output(cloud, 'ExtractionFailuresQueueUrl'));
    expect(failures.map((f) => [f.requestPayload.Records[0].s3.object.key, f.requestContext.condition])).toEqual([
      [key, 'RetriesExhausted'],
    ]);
    expect(failures[0]?.responsePayload).toMatchObject({
      errorType: 'ExtractionFailedError',
      errorMessage: manifest.verdict.message,
    });

    const shown = await extraction.run({
      cloud,
      options: { users: 0, weeks: 0, once: true, seed: 1 },
      results: { 'demo-data': { bucket, eventKeys: ['raw/events/user_events_week0.log', key] } },
      progress: () => undefined,
      log: () => undefined,
      signal: new AbortController().signal,
    });
    expect(shown.ok).toBe(false);
    expect(shown.lines).toContain(`  ✗ FAILED, not marked complete, not trained on: ${manifest.verdict.message}`);
  });

  it('joins CRM and profile tables uploaded together into every part, one rejoin at a time, with the newest of both', async () => {
    const rejoin = cloud.template.functions.find((f) => f.environment.POWERTOOLS_SERVICE_NAME === 'rejoin');
    expect(rejoin?.reservedConcurrency).toBe(1);
    const crm = CRM.replace('BANK', 'HEALTH');
    const profiles = PROFILES.replace('10\t0\t30', '10\t1\t66');
    await Promise.all([put('raw/crm/crm_info.data', crm), put('raw/profiles/nosql_user_profile.data', profiles)]);
    await cloud.idle();

    const manifest = await manifestOf('0', 'user_events_week0.log');
    const shaOf = (kind: string) => manifest.sources.find((s: { kind: string }) => s.kind === kind)?.sha256;
    expect([shaOf('crm'), shaOf('profiles')]).toEqual([sha256(crm), sha256(profiles)]);
    expect(manifest.joined).toBe(2);
    expect(cloud.asyncFailures.map((f) => f.function)).toEqual([expect.stringMatching(/Extract/)]);
  });
});
