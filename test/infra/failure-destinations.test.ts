/**
 * Every failure lands somewhere: each function something invokes asynchronously (S3
 * notifications, SNS, EventBridge: anything but a stream mapping or the state machine) has
 * bounded retries and an on-failure SQS queue that is encrypted, TLS only, alarmed on its
 * first message and named by a stack output (what `retention failures` reads).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/app.ts';
import { FAILURE_QUEUE_OUTPUTS } from '#infra/constructs/failure-queue.ts';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ASYNC_PRINCIPALS = ['s3.amazonaws.com', 'sns.amazonaws.com', 'events.amazonaws.com', 'lambda.amazonaws.com'];

describe('failure destinations', () => {
  let resources: Resources;
  let outputs: Record<string, { Value: unknown }>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  beforeAll(() => {
    const built = buildApp({
      outdir: mkdtempSync(join(tmpdir(), 'failures-test-')),
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    built.synth();
    const template = Template.fromStack(built.stack).toJSON();
    resources = template.Resources as Resources;
    outputs = template.Outputs as Record<string, { Value: unknown }>;
  }, 300_000); // a whole synthesis with cdk-nag, on a shared machine

  /** Functions some service may invoke asynchronously, by the permissions the template gives it. */
  const asyncFunctions = () =>
    new Set(
      ofType('AWS::Lambda::Permission')
        .filter(([, p]) => ASYNC_PRINCIPALS.includes(p.Properties.Principal))
        .map(([, p]) => p.Properties.FunctionName['Fn::GetAtt'][0] as string),
    );

  it('finds the asynchronously invoked functions: extract, rejoin, StartTraining', () => {
    const names = [...asyncFunctions()].map(
      (id) => resources[id]?.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
    );
    expect(names.sort()).toEqual(expect.arrayContaining(['extract', 'rejoin', 'start-training']));
  });

  it("sends the trends function's part events through a queue whose dead letters go to its failure queue", () => {
    const [mapping] = ofType('AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => resources[m.Properties.EventSourceArn['Fn::GetAtt']?.[0]]?.Type === 'AWS::SQS::Queue',
    );
    const source = resources[mapping?.[1].Properties.EventSourceArn['Fn::GetAtt'][0]];
    const deadLetters = source?.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;
    expect(outputs[FAILURE_QUEUE_OUTPUTS.trends]?.Value).toEqual({ Ref: deadLetters });
    const alarmed = ofType('AWS::CloudWatch::Alarm').some(([, a]) =>
      a.Properties.Dimensions.some(
        (d: { Value: { 'Fn::GetAtt'?: string[] } }) => d.Value['Fn::GetAtt']?.[0] === deadLetters,
      ),
    );
    expect(alarmed, `${deadLetters} has an alarm`).toBe(true);
  });

  it('gives each of them bounded retries and an encrypted, TLS-only, alarmed on-failure queue named by an output', () => {
    const configs = ofType('AWS::Lambda::EventInvokeConfig').map(([, c]) => c.Properties);
    const outputQueues = new Set(
      Object.values(FAILURE_QUEUE_OUTPUTS).map((key) => JSON.stringify(outputs[key]?.Value)),
    );
    for (const fn of asyncFunctions()) {
      const config = configs.find((c) => c.FunctionName.Ref === fn);
      expect(config, `${fn} has an EventInvokeConfig`).toBeDefined();
      expect(config?.MaximumRetryAttempts, fn).toBeLessThanOrEqual(2);
      const queue = config?.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0] as string;
      expect(resources[queue]?.Type, `${fn}'s destination is a queue`).toBe('AWS::SQS::Queue');
      expect(resources[queue]?.Properties.SqsManagedSseEnabled, `${queue} is encrypted`).toBe(true);
      const tlsOnly = ofType('AWS::SQS::QueuePolicy').some(
        ([, p]) =>
          p.Properties.Queues.some((q: { Ref: string }) => q.Ref === queue) &&
          p.Properties.PolicyDocument.Statement.some(
            (s: { Effect: string; Condition?: { Bool?: Record<string, string> } }) =>
              s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
          ),
      );
      expect(tlsOnly, `${queue} refuses plain HTTP`).toBe(true);
      const alarmed = ofType('AWS::CloudWatch::Alarm').some(
        ([, a]) =>
          a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          a.Properties.Dimensions.some(
            (d: { Value: { 'Fn::GetAtt'?: string[] } }) => d.Value['Fn::GetAtt']?.[0] === queue,
          ) &&
          a.Properties.Threshold === 1,
      );
      expect(alarmed, `${queue} has an alarm on its first message`).toBe(true);
      expect(outputQueues.has(JSON.stringify({ Ref: queue })), `${queue} is a failure-queue output`).toBe(true);
    }
  });
});
