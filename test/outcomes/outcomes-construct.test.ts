/**
 * The outcomes part of the synthesized stack: the realized-AUC alarm at the gate's floor (the
 * context's, when set), on the metric and dimension the handler publishes; one update at a
 * time; notified of scored parts; StartTraining allowed and told to pass completions on; a
 * failure queue with its output.
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

  it('lets StartTraining pass week completions on to it', () => {
    const [start] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Environment?.Variables?.STATE_MACHINE_ARN !== undefined,
    );
    expect(start?.Properties.Environment.Variables.OUTCOMES_FUNCTION).toEqual({
      Ref: expect.stringMatching(/^OutcomesOutcomesFunction/),
    });
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('"lambda:InvokeFunction"');
  });

  it('sends the events it gives up on to a failure queue named in the outputs', () => {
    expect(Object.keys(template.findOutputs(FAILURE_QUEUE_OUTPUTS.outcomes))).toEqual([FAILURE_QUEUE_OUTPUTS.outcomes]);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });
});
