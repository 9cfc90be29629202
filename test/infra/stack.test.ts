/**
 * The RetentionForest stack as CloudFormation will get it (bundling skipped: assets do not
 * matter here): the data lake's protections, the extraction's triggers, grants and failure
 * path, the project defaults on every function, and cdk-nag with nothing unacknowledged.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '#infra/app.ts';
import { STACK_OUTPUTS } from '#infra/stack-outputs.ts';
import { defined } from '#test/support/defined.ts';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const outdir = () => mkdtempSync(join(tmpdir(), 'stack-test-'));
// CDK's own singleton helpers: their runtime and role are CDK's choice, not the project's.
const CDK_HELPER = /^(BucketNotificationsHandler|CustomS3AutoDeleteObjects|CustomCDKBucketDeployment)/;
const HELPERS = [/^BucketNotificationsHandler/, /^CustomS3AutoDeleteObjects/, /^CustomCDKBucketDeployment/];

/** The parts of a template this file reads (CloudFormation JSON, typed as far as it is read). */
interface Properties {
  VersioningConfiguration?: unknown;
  LoggingConfiguration?: { DestinationBucketName: unknown; LogFilePrefix?: string };
  LifecycleConfiguration?: { Rules: { Id: string; Prefix?: string; ExpirationInDays?: number }[] };
  SqsManagedSseEnabled?: boolean;
  RetentionInDays?: number;
}
type Resources = Record<
  string,
  { Type: string; Properties: Properties; DeletionPolicy?: string; UpdateReplacePolicy?: string }
>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: StatementResource | StatementResource[];
  Condition?: { Bool?: Record<string, string> };
}
type StatementResource = string | { 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: string[] };
interface LambdaNotification {
  LambdaFunctionArn: { 'Fn::GetAtt': string[] };
  Events: string[];
  Filter: { Key: { FilterRules: { Name: string; Value: string }[] } };
}

describe('RetentionForest stack', () => {
  let template: Template;
  let resources: Resources;
  let built: ReturnType<typeof buildApp>;
  const logicalId = (type: string, pattern: RegExp) => {
    const ids = Object.keys(template.findResources(type)).filter((id) => pattern.test(id));
    expect(ids, `${type} matching ${pattern}`).toHaveLength(1);
    return defined(ids[0], `${type} matching ${pattern}`);
  };
  const resource = (id: string) => defined(resources[id], `resource ${id} in the template`);

  beforeAll(() => {
    built = buildApp({ outdir: outdir(), context: NO_BUNDLING });
    built.synth(); // with cdk-nag: an unacknowledged finding would throw here
    template = Template.fromStack(built.stack);
    resources = template.toJSON().Resources as Resources;
  });

  it('keeps every bucket private, encrypted and TLS-only', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets).length).toBeGreaterThanOrEqual(3);
    for (const [id, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(
        bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
          .SSEAlgorithm,
        id,
      ).toMatch(/^(AES256|aws:kms)$/);
      const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')).filter(
        (p) => p.Properties.Bucket.Ref === id,
      );
      const denyInsecure = policies
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .filter((s: Statement) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
      expect(denyInsecure, `${id} denies plain HTTP`).toHaveLength(1);
    }
  });

  it('versions the data bucket and logs its access to the log bucket', () => {
    const data = logicalId('AWS::S3::Bucket', /^DataLakeDataBucket/);
    const logs = logicalId('AWS::S3::Bucket', /^DataLakeAccessLogs/);
    expect(resource(data).Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(resource(data).Properties.LoggingConfiguration?.DestinationBucketName).toEqual({ Ref: logs });
    const rules = resource(data).Properties.LifecycleConfiguration?.Rules.map((r) => r.Id);
    expect(rules).toEqual(expect.arrayContaining(['abort-incomplete-uploads', 'expire-old-versions']));
  });

  it('deletes kept poison records a day after the poison queue drops the message that names them', () => {
    const data = logicalId('AWS::S3::Bucket', /^DataLakeDataBucket/);
    const poison = logicalId('AWS::SQS::Queue', /^PredictionPoisonRecords/);
    const rule = resource(data).Properties.LifecycleConfiguration?.Rules.find((r) => r.Id === 'expire-poison-records');
    expect(rule).toMatchObject({ Prefix: 'poison/', ExpirationInDays: 15 });
    const queueDays = (resource(poison).Properties as { MessageRetentionPeriod?: number }).MessageRetentionPeriod;
    expect(queueDays).toBe(14 * 24 * 3600);
  });

  it("logs the site bucket's access to the log bucket too, and empties it on destroy like the stage's other buckets", () => {
    const site = logicalId('AWS::S3::Bucket', /^DashboardSiteBucket/);
    const logs = logicalId('AWS::S3::Bucket', /^DataLakeAccessLogs/);
    expect(resource(site).Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logs },
      LogFilePrefix: 'site-bucket/',
    });
    expect(resource(site).DeletionPolicy).toBe('Delete');
  });

  it('notifies the extract function of event objects under raw/events/ and the rejoin function of tables', () => {
    const extract = logicalId('AWS::Lambda::Function', /^ExtractionExtractFunction/);
    const rejoin = logicalId('AWS::Lambda::Function', /^ExtractionRejoinFunction/);
    const notifications = defined(
      Object.values(template.findResources('Custom::S3BucketNotifications'))[0],
      'the bucket notifications resource',
    );
    const configurations = notifications.Properties.NotificationConfiguration
      .LambdaFunctionConfigurations as LambdaNotification[];
    const rules = configurations.map((c) => {
      const filter = Object.fromEntries(c.Filter.Key.FilterRules.map((r) => [r.Name, r.Value]));
      return `${c.LambdaFunctionArn['Fn::GetAtt'][0]} ${c.Events.join(',')} ${filter.prefix ?? ''}*${filter.suffix ?? ''}`;
    });
    expect(rules).toEqual(
      expect.arrayContaining([
        `${extract} s3:ObjectCreated:* raw/events/*.log`,
        `${extract} s3:ObjectCreated:* raw/events/*.tsv`,
        `${extract} s3:ObjectCreated:* raw/events/*.gz`,
        `${extract} s3:ObjectCreated:* raw/events/*_SUCCESS`,
        `${rejoin} s3:ObjectCreated:* raw/crm/*`,
        `${rejoin} s3:ObjectCreated:* raw/profiles/*`,
      ]),
    );
    expect(notifications.Properties.BucketName.Ref).toBe(logicalId('AWS::S3::Bucket', /^DataLakeDataBucket/));
  });

  it('grants the extract function reads of raw/* and writes of extracted/* only', () => {
    const extract = logicalId('AWS::Lambda::Function', /^ExtractionExtractFunction/);
    const extractFunction = defined(template.findResources('AWS::Lambda::Function')[extract], extract);
    const role = extractFunction.Properties.Role['Fn::GetAtt'][0];
    const data = logicalId('AWS::S3::Bucket', /^DataLakeDataBucket/);
    const statements: Statement[] = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref?: string }) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const onData = (s: Statement) =>
      [s.Resource]
        .flat()
        .filter((r) => JSON.stringify(r).includes(data))
        .map((r) => (typeof r === 'object' && r['Fn::Join'] ? String(r['Fn::Join'][1][1]) : ''));
    const objectGrants = statements
      .flatMap((s) => [s.Action].flat().map((a) => onData(s).map((prefix) => `${a} ${prefix}`)))
      .flat(2);
    const writes = objectGrants.filter((g) => /s3:(Put|Delete|Abort)/.test(g));
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((g) => g.endsWith(' /extracted/*'))).toBe(true);
    const reads = objectGrants.filter((g) => g.startsWith('s3:GetObject'));
    expect(reads.map((g) => g.split(' ')[1]).sort()).toEqual(expect.arrayContaining(['/extracted/*', '/raw/*']));
    expect(objectGrants.some((g) => g.endsWith(' /*'))).toBe(false); // never the whole bucket
    expect(objectGrants.some((g) => g.startsWith('s3:DeleteObject'))).toBe(false);
  });

  it('sends failed extraction events, after bounded retries, to the failure queue', () => {
    const queue = logicalId('AWS::SQS::Queue', /^ExtractionFailures/);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId('AWS::Lambda::Function', /^ExtractionExtractFunction/) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
    expect(resource(queue).Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('runs every project function on Node.js 24, arm64, with its own log group and the logger settings', () => {
    const functions = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
      ([id]) => !CDK_HELPER.test(id),
    );
    expect(functions.length).toBeGreaterThanOrEqual(10);
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime, id).toBe('nodejs24.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.Environment.Variables, id).toMatchObject({
        POWERTOOLS_SERVICE_NAME: expect.any(String),
        LOG_LEVEL: 'INFO',
      });
      const group = fn.Properties.LoggingConfig.LogGroup.Ref;
      expect(resource(group).Properties.RetentionInDays, id).toBe(30);
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          DATA_BUCKET: { Ref: logicalId('AWS::S3::Bucket', /^DataLakeDataBucket/) },
          POWERTOOLS_SERVICE_NAME: 'extract',
        }),
      },
      MemorySize: 1769,
    });
  });

  it("gives every function, CDK's helpers too, and the state machine a log group with the stage's retention", () => {
    expectStageLogGroups(template, { days: 30, policy: 'Delete' });
  });

  it('gives no project function an AWS managed policy', () => {
    const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(
      ([id]) => !CDK_HELPER.test(id) && !/AWS679f53fac002430cb0da5b7982bd2287/.test(id),
    );
    for (const [id, role] of roles) expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
  });

  it('has every output the command line and the local stages find resources by, each naming one resource', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(Object.values(STACK_OUTPUTS)));
    // The data bucket is the versioned one, not the access-log bucket beside it.
    const dataBucket = defined(outputs[STACK_OUTPUTS.dataBucket], 'the DataBucketName output').Value as { Ref: string };
    expect(resource(dataBucket.Ref).Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    // Synthesized in beforeAll: the acknowledging aspects have run.
    expect(new AwsSolutionsChecks(built.stack).validateScope(built.stack).violations).toEqual([]);
  });

  it('still reports, and fails synthesis on, a finding nobody acknowledged', () => {
    const { app, stack } = buildApp({ outdir: outdir(), context: NO_BUNDLING });
    new Bucket(stack, 'CarelessBucket', { removalPolicy: RemovalPolicy.DESTROY });
    expect(() => app.synth()).toThrow(/AwsSolutions-S1'/);
    const findings = new AwsSolutionsChecks(stack)
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
    expect(findings).toEqual(
      expect.arrayContaining([
        'AwsSolutions-S1 RetentionForest/CarelessBucket/Resource',
        'AwsSolutions-S10 RetentionForest/CarelessBucket/Resource',
      ]),
    );
    expect(findings.filter((f) => !f.includes('CarelessBucket'))).toEqual([]);
  });
});

/**
 * Every log group in the template keeps logs `days` and has the removal `policy`; every
 * function logs to a log group of its own in the template, and so does the state machine.
 */
function expectStageLogGroups(template: Template, stage: { days: number; policy: 'Delete' | 'Retain' }): void {
  const groups = template.findResources('AWS::Logs::LogGroup');
  for (const [id, group] of Object.entries(groups)) {
    expect({ id, days: group.Properties.RetentionInDays, onDelete: group.DeletionPolicy }).toEqual({
      id,
      days: stage.days,
      onDelete: stage.policy,
    });
    expect(group.UpdateReplacePolicy, id).toBe(stage.policy);
  }
  const functions = Object.entries(template.findResources('AWS::Lambda::Function'));
  // Each of CDK's helpers by name (the site deployment, the notifications handler, and auto-delete where the stage empties buckets).
  const helpers = stage.policy === 'Delete' ? HELPERS : HELPERS.filter((h) => !/AutoDelete/.test(h.source));
  for (const helper of helpers)
    expect(functions.filter(([id]) => helper.test(id)).length, `CDK's helper ${helper}`).toBe(1);
  // CDK's log-retention helper would set retention after the fact on groups the stack does not own.
  expect(Object.keys(template.findResources('Custom::LogRetention'))).toEqual([]);
  const used = functions.map(([id, fn]) => {
    const group: unknown = fn.Properties.LoggingConfig?.LogGroup?.Ref;
    expect(typeof group === 'string' && group in groups, `${id} logs to a log group of the template`).toBe(true);
    return group;
  });
  expect(new Set(used).size, 'one log group per function').toBe(functions.length);
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const destination = machine?.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn;
  expect(destination['Fn::GetAtt'][0] in groups, 'the state machine logs to a log group of the template').toBe(true);
}

describe('stage settings from context', () => {
  it('keeps data and logs longer for prod', () => {
    const { stack } = buildApp({ outdir: outdir(), context: { ...NO_BUNDLING, 'retention:stage': 'prod' } });
    const template = Template.fromStack(stack);
    const data = defined(
      Object.entries(template.findResources('AWS::S3::Bucket')).find(([id]) => id.startsWith('DataLakeDataBucket')),
      'DataLakeDataBucket',
    );
    expect(data[1].DeletionPolicy).toBe('Retain');
    const site = defined(
      Object.entries(template.findResources('AWS::S3::Bucket')).find(([id]) => id.startsWith('DashboardSiteBucket')),
      'DashboardSiteBucket',
    );
    expect(site[1].DeletionPolicy).toBe('Retain');
    expect(Object.keys(template.findResources('Custom::S3AutoDeleteObjects'))).toEqual([]);
    expectStageLogGroups(template, { days: 365, policy: 'Retain' });
  });

  it('takes every log group’s retention and removal from retention:logRetentionDays and retention:removalPolicy', () => {
    const context = { ...NO_BUNDLING, 'retention:logRetentionDays': 14, 'retention:removalPolicy': 'retain' };
    const { stack } = buildApp({ outdir: outdir(), context });
    expectStageLogGroups(Template.fromStack(stack), { days: 14, policy: 'Retain' });
  });

  it('sizes a function from retention:memory:<handler>', () => {
    const { stack } = buildApp({ outdir: outdir(), context: { ...NO_BUNDLING, 'retention:memory:extract': 3008 } });
    const template = Template.fromStack(stack);
    const extract = defined(
      Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
        id.startsWith('ExtractionExtractFunction'),
      ),
      'ExtractionExtractFunction',
    );
    expect(extract[1].Properties.MemorySize).toBe(3008);
  });

  it('refuses settings it does not understand, saying what it expected', () => {
    expect(() => buildApp({ context: { ...NO_BUNDLING, 'retention:logRetentionDays': 31 } })).toThrow(
      /retention:logRetentionDays must be one of/,
    );
    expect(() => buildApp({ context: { ...NO_BUNDLING, 'retention:removalPolicy': 'keep' } })).toThrow(
      /"destroy" or "retain"/,
    );
    expect(() => buildApp({ context: { ...NO_BUNDLING, 'retention:memory:extract': 64 } })).toThrow(/128\.\.10240 MB/);
  });
});
