/** The stream's mode, shards, the mapping's parallelization factor, batch size and at-risk list size, from CDK context. */
import { describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { Stack } from 'aws-cdk-lib';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPredictionApp } from './fixture-app.ts';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function templateWith(context: Record<string, unknown>): Template {
  const app = buildPredictionApp({
    outdir: mkdtempSync(join(tmpdir(), 'prediction-scaling-')),
    context: { ...NO_BUNDLING, ...context },
  });
  return Template.fromStack(app.node.findChild('PredictionFixture') as Stack);
}

describe('prediction scaling from CDK context', () => {
  it('defaults to one provisioned shard, one invocation per shard, batches of 500', () => {
    const template = templateWith({});
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 1,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      ParallelizationFactor: 1,
    });
  });

  it('takes a provisioned shard count, a parallelization factor and a batch size', () => {
    const template = templateWith({
      'retention:prediction:shardCount': 12,
      'retention:prediction:parallelizationFactor': '4',
      'retention:prediction:batchSize': 1000,
    });
    template.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 12 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 1000, ParallelizationFactor: 4 });
  });

  it('makes an on-demand stream without a shard count', () => {
    const template = templateWith({ 'retention:prediction:streamMode': 'on-demand' });
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      ShardCount: Match.absent(),
    });
  });

  it('gives both the predict and the trends Lambda the at-risk list size (default 1,000)', () => {
    const sizes = (template: Template) =>
      Object.values(template.findResources('AWS::Lambda::Function'))
        .map((f) => f.Properties.Environment?.Variables?.AT_RISK_SIZE as string | undefined)
        .filter((size) => size !== undefined);
    expect(sizes(templateWith({}))).toEqual(['1000', '1000']);
    expect(sizes(templateWith({ 'retention:prediction:atRiskSize': '250' }))).toEqual(['250', '250']);
    expect(() => templateWith({ 'retention:prediction:atRiskSize': 0 })).toThrow(/retention:prediction:atRiskSize/);
  });

  it("batches the trends function's part events: 1,000 over 5 s by default, or as the context says", () => {
    const trendsMapping = (template: Template) =>
      Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
        (m) => m.Properties.ScalingConfig !== undefined,
      )?.Properties;
    expect(trendsMapping(templateWith({}))).toMatchObject({ BatchSize: 1000, MaximumBatchingWindowInSeconds: 5 });
    const set = templateWith({
      'retention:prediction:trendsBatchSize': '200',
      'retention:prediction:trendsBatchingWindowSeconds': 20,
    });
    expect(trendsMapping(set)).toMatchObject({ BatchSize: 200, MaximumBatchingWindowInSeconds: 20 });
    expect(() => templateWith({ 'retention:prediction:trendsBatchingWindowSeconds': 0 })).toThrow(
      /retention:prediction:trendsBatchingWindowSeconds must be a whole number 1..300, got "0"/,
    );
  });

  it('refuses values AWS would refuse, naming the key', () => {
    expect(() => templateWith({ 'retention:prediction:parallelizationFactor': 11 })).toThrow(
      /retention:prediction:parallelizationFactor must be a whole number 1..10, got "11"/,
    );
    expect(() => templateWith({ 'retention:prediction:batchSize': 0 })).toThrow(/retention:prediction:batchSize/);
    expect(() => templateWith({ 'retention:prediction:streamMode': 'auto' })).toThrow(/"provisioned" or "on-demand"/);
    expect(() =>
      templateWith({ 'retention:prediction:streamMode': 'on-demand', 'retention:prediction:shardCount': 2 }),
    ).toThrow(/provisioned streams only/);
  });
});

describe('claim check grant', () => {
  it('lets predict put objects under poison/ only', () => {
    const policies = Object.values(templateWith({}).findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap(
      (p) => (p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]) ?? [],
    );
    const poison = statements.filter((s) => JSON.stringify(s.Resource).includes('/poison/*'));
    expect(poison).toHaveLength(1);
    expect([poison[0]?.Action].flat().sort()).toEqual(expect.arrayContaining(['s3:PutObject']));
    expect([poison[0]?.Action].flat().some((a) => /Get|Delete|List/.test(String(a)))).toBe(false);
  });
});
