/**
 * The extraction part of the synthesized stack: the failure queue's alarm, rejoin one at a
 * time, and the extract function's settings from CDK context (base week, rejected share).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/app.ts';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function templateWith(context: Record<string, unknown> = {}): Template {
  const { stack } = buildApp({
    outdir: mkdtempSync(join(tmpdir(), 'stack-test-')),
    context: { ...NO_BUNDLING, ...context },
  });
  return Template.fromStack(stack);
}

/** The environment variables of the function whose POWERTOOLS_SERVICE_NAME is `name`. */
function environmentOf(template: Template, name: string): Record<string, unknown> {
  const functions = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: name } } },
    }),
  ) as { Properties: { Environment: { Variables: Record<string, unknown> } } }[];
  expect(functions, `functions named ${name}`).toHaveLength(1);
  return functions[0]?.Properties.Environment.Variables ?? {};
}

describe('extraction in the stack', () => {
  const template = templateWith();

  it('alarms as soon as the extraction failure queue holds a message', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const failures = Object.keys(queues).filter((id) => /ExtractionFailures/.test(id));
    expect(failures).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [failures[0], 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('runs the rejoin function one invocation at a time', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'rejoin' }) },
      ReservedConcurrentExecutions: 1,
    });
  });

  it('checks numbered weeks against no calendar and keeps the default rejected share unless context says', () => {
    const env = environmentOf(template, 'extract');
    expect(env).not.toHaveProperty('BASE_WEEK');
    expect(env).not.toHaveProperty('MAX_REJECTED_SHARE');
  });

  it('takes retention:baseWeek and retention:maxRejectedShare into the extract function', () => {
    const env = environmentOf(
      templateWith({ 'retention:baseWeek': '2026-W02', 'retention:maxRejectedShare': 0.25 }),
      'extract',
    );
    expect(env).toMatchObject({ BASE_WEEK: '2026-W02', MAX_REJECTED_SHARE: '0.25' });
  });

  it('refuses a base week or share it cannot use, saying what it expects', () => {
    expect(() => templateWith({ 'retention:baseWeek': '2026-02-01' })).toThrow(
      'retention:baseWeek must be an ISO week like 2017-W19, got "2026-02-01"',
    );
    expect(() => templateWith({ 'retention:maxRejectedShare': 50 })).toThrow(
      'retention:maxRejectedShare must be a number in (0, 1], got "50"',
    );
  });
});
