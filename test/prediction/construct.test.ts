/** The prediction construct's template: the stream, mapping, results topic and its subscriber queues, trends Lambda, alarms, outputs. */
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
    // results, its DLQ, the command line's, poison, batch failures, trend-part events, trends failures
    expect(Object.keys(queues)).toHaveLength(7);
    for (const q of Object.values(queues)) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(7);
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

  it('queues trend-part events for the trends function, read in batches, two at most at once, poison to its failure queue', () => {
    const trends = Object.entries(template.findResources('AWS::Lambda::Function')).find(
      ([, f]) => f.Properties.Environment?.Variables?.SITE_BUCKET !== undefined,
    );
    const [trendsId, trendsFunction] = trends ?? [];
    // No reserved concurrency: below the mapping's it would throttle batches towards the dead-letter queue.
    expect(trendsFunction?.Properties.ReservedConcurrentExecutions).toBeUndefined();
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          Match.objectLike({
            Filter: { Key: { FilterRules: Match.arrayWith([{ Name: 'prefix', Value: 'predictions/trends/' }]) } },
          }),
        ],
        LambdaFunctionConfigurations: Match.absent(),
      },
    });
    const queueId = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) => id.includes('TrendPartEvents'));
    const failuresId = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) =>
      id.includes('TrendsFailures'),
    );
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [failuresId, 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: trendsId },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
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

  it('publishes results to a KMS-encrypted, TLS-only topic that the predict function alone may publish to', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('alias/aws/sns$')])] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    const publishers = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('"sns:Publish"'),
    );
    expect(publishers.map((p) => JSON.stringify(p.Properties.Roles))).toEqual([
      expect.stringMatching(/PredictFunction(Service)?Role/),
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RESULTS_TOPIC_ARN: { Ref: topicId } }) },
    });
  });

  it("subscribes the users' results queue and the command line's queue, raw, each with its own subscription", () => {
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map((s) => s.Properties);
    expect(subscriptions).toHaveLength(2);
    for (const s of subscriptions) expect(s).toMatchObject({ Protocol: 'sqs', RawMessageDelivery: true });
    const endpoints = subscriptions.map((s) => s.Endpoint['Fn::GetAtt'][0] as string).sort();
    expect(endpoints).toEqual([
      expect.stringMatching(/CommandLineResults[0-9A-F]{8}$/),
      expect.stringMatching(/FanOutResults[0-9A-F]{8}$/),
    ]);
    // SNS may send to each subscribed queue, and only from this topic.
    for (const endpoint of endpoints)
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: endpoint }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: 'sqs:SendMessage', Principal: { Service: 'sns.amazonaws.com' } }),
          ]),
        },
      });
  });

  it('names the topic and every queue in the stack outputs the command line and users look up', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'PredictionStreamName',
        'ResultsTopicArn',
        'PredictionResultsQueueUrl',
        'CommandLineResultsQueueUrl',
        'PredictionPoisonQueueUrl',
        'PredictionBatchFailuresQueueUrl',
      ]),
    );
  });
});
