/** The prediction construct's template: what the issue asks of the stream, mapping, queues, trends Lambda and alarms. */
import { describe, expect, it } from 'vitest';
import { Template, Match } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPredictionApp } from './fixture-app.ts';

describe('prediction construct', () => {
  const app = buildPredictionApp({ outdir: mkdtempSync(join(tmpdir(), 'prediction-synth-')) });
  const template = Template.fromStack(app.node.findChild('PredictionFixture') as never);

  it('encrypts the stream and every queue, and refuses plain HTTP on the queues', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(5); // results, its DLQ, poison, batch failures, trends failures
    for (const q of Object.values(queues)) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(5);
    for (const p of policies) expect(JSON.stringify(p)).toContain('"aws:SecureTransport":"false"');
  });

  it('maps the stream to predict with partial failures, bisect, bounded retries and age, and an on-failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('runs one trends rebuild at a time, triggered by trend parts', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 1,
      Environment: { Variables: Match.objectLike({ SITE_BUCKET: Match.anyValue() }) },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          Match.objectLike({
            Filter: { Key: { FilterRules: Match.arrayWith([{ Name: 'prefix', Value: 'predictions/trends/' }]) } },
          }),
        ],
      },
    });
  });

  it('acknowledges itself that its poison and batch-failure queues are dead-letter destinations (AwsSolutions-SQS3)', () => {
    const stack = app.node.findChild('PredictionFixture') as Stack;
    const findings = new AwsSolutionsChecks(stack)
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
    expect(findings.filter((f) => f.startsWith('AwsSolutions-SQS3'))).toEqual([]);
  });

  it('alarms on any message in the three dead-letter queues, the trends failure queue and on iterator age', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.MetricName);
    expect(alarms.sort()).toEqual([
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesVisible',
      'GetRecords.IteratorAgeMilliseconds',
    ]);
  });
});
