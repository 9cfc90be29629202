/**
 * The outcomes part of the synthesized stack: the realized-AUC alarm at the gate's floor (the
 * context's, when set), on the metric and dimension the handler publishes; one update at a
 * time; notified of scored parts; an EventBridge rule on the training state machine's
 * successful executions targeting it, with the failure queue as the target's dead-letter
 * queue; StartTraining no longer involved; a failure queue with its output.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/app.ts';
import { REALIZED_AUC_METRIC } from '#core/prediction/outcomes.ts';
import { FAILURE_QUEUE_OUTPUTS } from '#infra/constructs/failure-queue.ts';

describe('outcomes in the stack', () => {
  let template: Template;
  beforeAll(() => {
    const built = buildApp({
      outdir: mkdtempSync(join(tmpdir(), 'outcomes-synth-')),
      context: { 'aws:cdk:bundling-stacks': [], 'training:gateFloor': 0.61 },
    });
    built.synth(); // with cdk-nag: an unacknowledged finding would throw here
    template = Template.fromStack(built.stack);
  }, 300_000);

  it('alarms when a week’s realized AUC is below the gate floor', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'RetentionForest',
      MetricName: REALIZED_AUC_METRIC,
      Dimensions: [{ Name: 'service', Value: 'outcomes' }],
      Statistic: 'Minimum',
      Threshold: 0.61,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('runs one update at a time with the floor, notified of scored parts', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 1,
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'outcomes', GATE_FLOOR: '0.61' }) },
    });
    const notifications = JSON.stringify(template.findResources('Custom::S3BucketNotifications'));
    expect(notifications).toContain('"Name":"prefix","Value":"predictions/scored/"');
  });

  const logicalIdOf = (type: string, pattern: RegExp) => {
    const ids = Object.keys(template.findResources(type)).filter((id) => pattern.test(id));
    expect(ids, `one ${type} ${pattern}`).toHaveLength(1);
    return ids[0] ?? '';
  };

  it('is told of the training state machine’s successful executions by an EventBridge rule', () => {
    const machine = logicalIdOf('AWS::StepFunctions::StateMachine', /^TrainingStateMachine/);
    const fn = logicalIdOf('AWS::Lambda::Function', /^OutcomesOutcomesFunction/);
    const queue = logicalIdOf('AWS::SQS::Queue', /^OutcomesOutcomesFailures/);
    const rules = template.findResources('AWS::Events::Rule');
    expect(Object.keys(rules)).toHaveLength(1);
    template.hasResourceProperties('AWS::Events::Rule', {
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['SUCCEEDED'], stateMachineArn: [{ Ref: machine }] },
      },
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
          Id: Match.anyValue(),
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21_600 },
        },
      ],
    });
    const rule = Object.keys(rules)[0];
    // Only this rule may invoke the function, and only this rule may send to its queue.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [rule, 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule, 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  it('leaves StartTraining to start training only', () => {
    const [start] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Environment?.Variables?.STATE_MACHINE_ARN !== undefined,
    );
    expect(start?.Properties.Environment.Variables.OUTCOMES_FUNCTION).toBeUndefined();
    const role = start?.Properties.Role['Fn::GetAtt'][0];
    const startPolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(role),
    );
    expect(startPolicies.length).toBeGreaterThan(0);
    expect(JSON.stringify(startPolicies)).not.toContain('lambda:InvokeFunction');
  });

  it('sends the events it gives up on to a failure queue named in the outputs', () => {
    expect(Object.keys(template.findOutputs(FAILURE_QUEUE_OUTPUTS.outcomes))).toEqual([FAILURE_QUEUE_OUTPUTS.outcomes]);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });
});
