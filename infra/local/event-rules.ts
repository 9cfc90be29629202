/**
 * The template's EventBridge rules, served for the events the local cloud emits: a local
 * execution's end becomes AWS's "Step Functions Execution Status Change" event, and every
 * enabled rule on the default bus whose pattern matches it delivers it to its targets. A
 * function target is invoked asynchronously, as EventBridge invokes Lambda (the function's
 * own retries and failure destination apply); a queue target receives the event. A target
 * the local cloud cannot reach sends the event to the target's dead-letter queue, as
 * EventBridge does with an undeliverable event. A rule this matcher cannot judge (content
 * filters, reshaped input, another bus, a schedule) is refused with a warning, never guessed.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { matchesEventPattern, unsupportedPatternFeature } from './event-patterns.ts';
import { executionStatusChange } from './execution-events.ts';
import { resolve, resolveString } from './intrinsics.ts';
import type { StepFunctionsEndpoint } from './stepfunctions.ts';
import type { EventRuleSpec } from './template.ts';
import type { TriggerSettings } from './triggers.ts';

interface ServedTarget {
  readonly id: string;
  readonly arn: string;
  readonly deadLetterArn?: string;
}

interface ServedRule {
  readonly logicalId: string;
  readonly arn: string;
  readonly pattern: Record<string, unknown>;
  readonly targets: readonly ServedTarget[];
}

/** Serves the rules for the endpoint's executions; returns the unsubscribe. */
export function serveEventRules(stepFunctions: StepFunctionsEndpoint, settings: TriggerSettings): () => void {
  const rules = settings.template.eventRules.flatMap((rule) => servedRule(rule, settings));
  if (rules.length === 0) return () => undefined;
  return stepFunctions.subscribe((execution, event) => {
    if (event.type !== 'ExecutionEnded') return;
    const change = executionStatusChange(execution, settings.context);
    for (const rule of rules) {
      if (!matchesEventPattern(rule.pattern, change)) continue;
      for (const target of rule.targets) deliver(rule, target, change, settings);
    }
  });
}

/** The rule resolved to local ARNs, or nothing (with a warning) when it cannot be served faithfully. */
function servedRule(rule: EventRuleSpec, settings: TriggerSettings): ServedRule[] {
  const { context, emit } = settings;
  const refuse = (why: string) => {
    emit({ kind: 'warning', message: `EventBridge rule ${rule.logicalId} is not served locally: ${why}` });
    return [];
  };
  if (!rule.enabled) return [];
  if (rule.pattern === undefined) return refuse('it has no event pattern (schedules are not run)');
  if (rule.eventBusName !== undefined && resolveString(rule.eventBusName, context) !== 'default')
    return refuse('it listens on a custom event bus');
  const pattern = resolve(rule.pattern, context);
  const unsupported = unsupportedPatternFeature(pattern);
  if (unsupported !== undefined) return refuse(unsupported);
  const reshaped = rule.targets.find((t) => t.reshaped);
  if (reshaped) return refuse(`target ${reshaped.id} reshapes the event (Input, InputPath, InputTransformer)`);
  const targets = rule.targets.map((t) => ({
    id: t.id,
    arn: resolveString(t.arn, context),
    ...(t.deadLetterArn === undefined ? {} : { deadLetterArn: resolveString(t.deadLetterArn, context) }),
  }));
  const arn = resolveString({ 'Fn::GetAtt': [rule.logicalId, 'Arn'] }, context);
  return [{ logicalId: rule.logicalId, arn, pattern: pattern as Record<string, unknown>, targets }];
}

function deliver(rule: ServedRule, target: ServedTarget, event: unknown, settings: TriggerSettings): void {
  const { resources, asyncInvocations, emit } = settings;
  const warn = (message: string) =>
    emit({ kind: 'warning', message: `rule ${rule.logicalId} → ${target.id}: ${message}` });
  emit({ kind: 'rule', rule: rule.logicalId, target: target.arn });
  const fn = Object.entries(resources.functions).find(([, f]) => f.arn === target.arn.replace(/:\$LATEST$/, ''));
  if (fn && settings.functions.has(fn[0])) {
    // Counted as in flight from here, so that `idle()` waits for it.
    void asyncInvocations.track(() => asyncInvocations.invoke(fn[0], event)).catch((e: Error) => warn(e.message));
    return;
  }
  const queueOf = (arn: string | undefined) => Object.values(resources.queues).find((q) => q.arn === arn);
  let queue = queueOf(target.arn);
  if (queue === undefined) {
    queue = queueOf(target.deadLetterArn);
    if (queue === undefined) return warn('not a local function or queue, and no dead-letter queue: event dropped');
    warn('not a local function or queue: the event goes to its dead-letter queue');
  }
  // A dead-letter message says, as EventBridge's do, which rule and target failed and why.
  const deadLetter = queue.arn !== target.arn;
  const attributes = {
    RULE_ARN: rule.arn,
    TARGET_ARN: target.arn,
    ERROR_CODE: 'NO_LOCAL_TARGET',
    ERROR_MESSAGE: 'the target is not a function or queue of the local cloud',
  };
  const message = new SendMessageCommand({
    QueueUrl: queue.url,
    MessageBody: JSON.stringify(event),
    ...(deadLetter ? { MessageAttributes: stringAttributes(attributes) } : {}),
  });
  void asyncInvocations.track(() => settings.clients.sqs.send(message)).catch((e: Error) => warn(e.message));
}

const stringAttributes = (values: Record<string, string>) =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
