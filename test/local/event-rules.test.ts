/**
 * EventBridge rules served by the local cloud, on a real local Step Functions endpoint and
 * emulated SQS: a matching execution's status-change event reaches a queue target; a target
 * the local cloud cannot reach sends it to the target's dead-letter queue with EventBridge's
 * attributes; another state machine's executions match nothing; a rule with a content filter
 * or a reshaped input is refused with a warning, not guessed at. (Function targets: see
 * test/outcomes/outcomes-rule.test.ts, the product's rule end to end.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ActivityFeed, type Activity } from '#infra/local/activity.ts';
import { AsyncInvocations } from '#infra/local/async-invocations.ts';
import { serveEventRules } from '#infra/local/event-rules.ts';
import type { ResolveContext, ResourceAddress } from '#infra/local/intrinsics.ts';
import { StackFunctions } from '#infra/local/stack-functions.ts';
import type { LocalResources } from '#infra/local/stack-resources.ts';
import { startStepFunctionsEndpoint, type StepFunctionsEndpoint } from '#infra/local/stepfunctions.ts';
import type { EventRuleSpec, LocalTemplate } from '#infra/local/template.ts';
import type { EmulatorClients } from '#infra/local/emulators.ts';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { waitFor } from '#test/support/wait-for.ts';

const ACCOUNT = '000000000000';
const arn = (service: string, rest: string) => `arn:aws:${service}:us-east-1:${ACCOUNT}:${rest}`;
const MACHINE = arn('states', 'stateMachine:Watched');
const OTHER = arn('states', 'stateMachine:Other');
const PASS = { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } };

const succeededOn = (machine: unknown, extra: Record<string, unknown> = {}) => ({
  source: ['aws.states'],
  'detail-type': ['Step Functions Execution Status Change'],
  detail: { status: ['SUCCEEDED'], stateMachineArn: [machine], ...extra },
});
const rule = (logicalId: string, pattern: unknown, target: Partial<EventRuleSpec['targets'][number]>) => ({
  logicalId,
  enabled: true,
  pattern,
  targets: [{ id: 'Target0', arn: '', reshaped: false, ...target }],
});

describe('EventBridge rules on the local cloud', () => {
  let local: TestEmulators;
  let stepFunctions: StepFunctionsEndpoint;
  let stopRules: () => void;
  let asyncInvocations: AsyncInvocations;
  const activities: Activity[] = [];
  const queues: LocalResources['queues'] = {};
  const addresses = new Map<string, ResourceAddress>();

  const depth = async (id: string) => {
    const got = await local.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues[id]?.url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(got.Attributes?.ApproximateNumberOfMessages);
  };
  const run = async (machine: string, name: string) => {
    const response = await fetch(stepFunctions.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSStepFunctions.StartExecution', 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ stateMachineArn: machine, name, input: '{"labelWeek":"4"}' }),
    });
    expect(response.status).toBe(200);
    await stepFunctions.idle();
    // The rules' sends started as the execution ended, counted as in flight.
    await waitFor(() => asyncInvocations.inFlight === 0, { what: 'the rules’ sends' });
  };

  beforeAll(async () => {
    local = await startTestEmulators();
    for (const id of ['Target', 'DeadLetters']) {
      const url = (await local.sqs.send(new CreateQueueCommand({ QueueName: id }))).QueueUrl ?? '';
      queues[id] = { name: id, url, arn: arn('sqs', id) };
      addresses.set(id, { ref: url, attributes: { Arn: arn('sqs', id) } });
    }
    addresses.set('Watched', { ref: MACHINE, attributes: { Name: 'Watched' } });
    const rules = [
      rule('ToQueue', succeededOn({ Ref: 'Watched' }), { arn: { 'Fn::GetAtt': ['Target', 'Arn'] } }),
      rule('Unreachable', succeededOn({ Ref: 'Watched' }), {
        arn: arn('lambda', 'function:elsewhere'),
        deadLetterArn: { 'Fn::GetAtt': ['DeadLetters', 'Arn'] },
      }),
      rule('Filtered', succeededOn(MACHINE, { name: [{ prefix: 'run-' }] }), { arn: arn('sqs', 'Target') }),
      rule('Reshaped', succeededOn(MACHINE), { arn: arn('sqs', 'Target'), reshaped: true }),
    ];
    for (const r of rules)
      addresses.set(r.logicalId, { ref: r.logicalId, attributes: { Arn: arn('events', `rule/${r.logicalId}`) } });

    const template = { eventRules: rules, functions: [], invokeConfigs: [] } as unknown as LocalTemplate;
    const resources: LocalResources = {
      buckets: {},
      queues,
      topics: {},
      streams: {},
      functions: {},
      stateMachines: {},
    };
    const context: ResolveContext = { region: 'us-east-1', account: ACCOUNT, stackName: 'Rules', addresses };
    const feed = new ActivityFeed((a) => activities.push(a));
    // No functions in this stack: a rule's function target cannot be reached here.
    const functions = new StackFunctions({
      template,
      resources,
      context,
      awsEnvironment: {},
      stepFunctionsEndpoint: '',
      lambdaEndpoint: '',
      runtime: {},
      emit: feed.emit,
    });
    asyncInvocations = new AsyncInvocations({
      template,
      resources,
      context,
      functions,
      sqs: local.sqs,
      emit: feed.emit,
    });
    const clients = { sqs: local.sqs } as EmulatorClients; // only SQS is reached from rules
    stepFunctions = await startStepFunctionsEndpoint({
      invoke: () => Promise.reject(new Error('no Lambda tasks here')),
    });
    stepFunctions.register(MACHINE, PASS);
    stepFunctions.register(OTHER, PASS);
    stopRules = serveEventRules(stepFunctions, {
      template,
      resources,
      context,
      clients,
      functions,
      asyncInvocations,
      emit: feed.emit,
    });
  });
  afterAll(async () => {
    stopRules?.();
    await stepFunctions?.stop();
    await local?.stop();
  });

  it('refuses the rules it cannot judge faithfully, saying why', () => {
    const warnings = activities.flatMap((a) => (a.kind === 'warning' ? [a.message] : []));
    expect(warnings).toEqual([
      'EventBridge rule Filtered is not served locally: detail.name: the content filter {"prefix":"run-"}',
      'EventBridge rule Reshaped is not served locally: target Target0 reshapes the event (Input, InputPath, InputTransformer)',
    ]);
  });

  it('sends nothing for another state machine’s executions', async () => {
    await run(OTHER, 'other-1');
    expect(activities.filter((a) => a.kind === 'rule')).toEqual([]);
    expect(await depth('Target')).toBe(0);
  });

  it('delivers the event to a queue target, and an unreachable target’s to its dead-letter queue', async () => {
    await run(MACHINE, 'run-1');
    expect(activities.filter((a) => a.kind === 'rule').map((a) => (a as { rule: string }).rule)).toEqual([
      'ToQueue',
      'Unreachable',
    ]);
    const [delivered] =
      (await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.Target?.url }))).Messages ?? [];
    expect(JSON.parse(delivered?.Body ?? '{}')).toMatchObject({
      source: 'aws.states',
      resources: [arn('states', 'execution:Watched:run-1')],
      detail: { name: 'run-1', status: 'SUCCEEDED', stateMachineArn: MACHINE, input: '{"labelWeek":"4"}' },
    });
    const [dead] =
      (
        await local.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queues.DeadLetters?.url, MessageAttributeNames: ['All'] }),
        )
      ).Messages ?? [];
    expect(JSON.parse(dead?.Body ?? '{}')).toMatchObject({ detail: { name: 'run-1' } });
    expect(dead?.MessageAttributes?.RULE_ARN?.StringValue).toBe(arn('events', 'rule/Unreachable'));
    expect(dead?.MessageAttributes?.TARGET_ARN?.StringValue).toBe(arn('lambda', 'function:elsewhere'));
    expect(activities.some((a) => a.kind === 'warning' && /goes to its dead-letter queue/.test(a.message))).toBe(true);
  });
});
