/**
 * The training construct's template: the definition's shape (every task with a timeout and
 * Lambda-error retries, a bounded Map, the gate's floor from context, one readable Fail),
 * the week-complete trigger, and no unacknowledged cdk-nag finding of its own.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildTrainingApp } from './fixtures/app.ts';
import { defined } from '#test/support/defined.ts';

interface AslState {
  Type: string;
  TimeoutSeconds?: number;
  Retry?: { ErrorEquals: string[]; BackoffRate?: number }[];
  Catch?: { Next: string }[];
  MaxConcurrency?: number;
  ItemProcessor?: { States: Record<string, AslState> };
  Choices?: unknown[];
}

describe('training construct', () => {
  let stack: Stack;
  let template: Template;
  let states: Record<string, AslState>;
  const state = (name: string): AslState => defined(states[name], `state ${name}`);
  beforeAll(() => {
    const app = buildTrainingApp({
      outdir: mkdtempSync(join(tmpdir(), 'training-construct-')),
      context: {
        'aws:cdk:bundling-stacks': [],
        'training:gateFloor': 0.61,
        'training:treeRowsPerShard': 5000000,
        'training:gateMargin': 0.02,
        'test:autoStart': true,
      },
    });
    stack = app.node.findChild('TrainingFixture') as Stack;
    app.synth();
    template = Template.fromStack(stack);
    const machine = defined(
      Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0],
      'the state machine',
    );
    // The definition is an Fn::Join of strings and tokens; the tokens are only ARNs.
    const parts = (machine.Properties.DefinitionString['Fn::Join'][1] as unknown[]).map((p) =>
      typeof p === 'string' ? p : 'arn:token',
    );
    states = (JSON.parse(parts.join('')) as { States: Record<string, AslState> }).States;
  });

  it('gives every task a timeout, Lambda-error retries with backoff and a catch', () => {
    const tasks = {
      ...states,
      ...defined(state('TrainCandidates').ItemProcessor, "the Map state's item processor").States,
    };
    const names = Object.entries(tasks)
      .filter(([, s]) => s.Type === 'Task')
      .map(([n]) => n)
      .sort();
    expect(names).toEqual(['Evaluate', 'Prepare', 'Publish', 'RecordRejection', 'Train']);
    for (const name of names) {
      const task = defined(tasks[name], `task ${name}`);
      expect(task.TimeoutSeconds, name).toBeGreaterThanOrEqual(60);
      expect(task.Retry?.[0]?.ErrorEquals, name).toContain('Lambda.ServiceException');
      expect(task.Retry?.[0]?.BackoffRate, name).toBe(2);
      expect(task.Retry?.[1]?.ErrorEquals, name).toEqual(['Lambda.TooManyRequestsException']);
    }
    for (const name of ['Prepare', 'Evaluate', 'Publish', 'RecordRejection', 'TrainCandidates']) {
      expect(state(name).Catch?.[0]?.Next, name).toBe(`${name === 'TrainCandidates' ? 'Train' : name}Failed`);
    }
    expect(state('TrainCandidates').MaxConcurrency).toBe(4);
    expect(state('TrainingFailed').Type).toBe('Fail');
  });

  it('runs a failed Publish again (it is safe to repeat) before giving up', () => {
    const retries = state('Publish').Retry ?? [];
    expect(retries.map((r) => r.ErrorEquals)).toContainEqual(['States.TaskFailed']);
    for (const name of ['Prepare', 'Evaluate', 'RecordRejection']) {
      expect(
        state(name).Retry?.map((r) => r.ErrorEquals),
        name,
      ).not.toContainEqual(['States.TaskFailed']);
    }
  });

  it('takes the gate floor from context into the Choice and the margin into Evaluate', () => {
    expect(JSON.stringify(state('Gate').Choices)).toContain('"NumericGreaterThanEquals":0.61');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { GATE_FLOOR: '0.61', GATE_MARGIN: '0.02' } },
    });
  });

  it('hands Prepare the tree-rows a Train task builds before it cuts forests into shards', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: Match.anyValue(),
      Environment: { Variables: Match.objectLike({ TREE_ROWS_PER_SHARD: '5000000', GATE_FLOOR: '0.61' }) },
    });
  });

  it('gives Prepare the memory of a 10M-user week (docs/cost.md: 1,216 MB peak RSS, linear in active users)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TREE_ROWS_PER_SHARD: Match.anyValue() }) },
      MemorySize: 3008,
    });
  });

  it("starts on a week's completion marker only", () => {
    const notifications = defined(
      Object.values(template.findResources('Custom::S3BucketNotifications'))[0],
      'the bucket notifications',
    );
    expect(JSON.stringify(notifications.Properties.NotificationConfiguration)).toContain(
      '"Filter":{"Key":{"FilterRules":[{"Name":"suffix","Value":"_COMPLETE.json"},{"Name":"prefix","Value":"extracted/"}]}}',
    );
  });

  it('leaves no unacknowledged cdk-nag finding on its own policies', () => {
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    const findings = report.violations
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))
      .filter((f) => f.includes('/Training/'))
      // The fixture's plain NodejsFunctions bring AWSLambdaBasicExecutionRole: the product's
      // function factory owns that choice, not this construct.
      .filter((f) => !f.startsWith('AwsSolutions-IAM4'));
    expect(findings).toEqual([]);
  });
});
