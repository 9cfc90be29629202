/**
 * The template's SNS topics and their SQS subscriptions, created in fauxqs (which fans each
 * publish out to every subscribed queue, honouring RawMessageDelivery and filter policies).
 * Subscriptions with other protocols (Lambda, HTTP, email) have no local delivery: each is
 * reported once as a warning.
 */
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { resolve, type ResolveContext, type ResourceAddress } from './intrinsics.ts';
import type { CfnTemplate } from './template.ts';

export interface LocalTopic {
  readonly name: string;
  readonly arn: string;
}

interface TopicProperties {
  TopicName?: unknown;
  FifoTopic?: unknown;
  ContentBasedDeduplication?: unknown;
}

interface SubscriptionProperties {
  TopicArn?: unknown;
  Endpoint?: unknown;
  Protocol?: unknown;
  RawMessageDelivery?: unknown;
  FilterPolicy?: unknown;
  FilterPolicyScope?: unknown;
}

const byType = (template: CfnTemplate, type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** A topic's name: the template's own, else `<stack>-<logicalId>` (`.fifo` kept for FIFO topics). */
function topicName(p: TopicProperties, logicalId: string, stackName: string): string {
  if (typeof p.TopicName === 'string') return p.TopicName;
  const fifo = p.FifoTopic === true || p.FifoTopic === 'true';
  const base = `${stackName}-${logicalId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, fifo ? 251 : 256);
  return fifo ? `${base}.fifo` : base;
}

/** Creates every topic and records its address (Ref = ARN, as CloudFormation gives). */
export async function createTopics(
  template: CfnTemplate,
  stackName: string,
  sns: SNSClient,
  addresses: Map<string, ResourceAddress>,
): Promise<Record<string, LocalTopic>> {
  const topics: Record<string, LocalTopic> = {};
  for (const [id, r] of byType(template, 'AWS::SNS::Topic')) {
    const p = (r.Properties ?? {}) as TopicProperties;
    const name = topicName(p, id, stackName);
    const attributes: Record<string, string> = {};
    if (p.FifoTopic !== undefined) attributes.FifoTopic = String(p.FifoTopic);
    if (p.ContentBasedDeduplication !== undefined)
      attributes.ContentBasedDeduplication = String(p.ContentBasedDeduplication);
    const created = await sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
    if (!created.TopicArn) throw new Error(`creating topic ${name}: the emulator returned no TopicArn`);
    topics[id] = { name, arn: created.TopicArn };
    addresses.set(id, { ref: created.TopicArn, attributes: { TopicArn: created.TopicArn, TopicName: name } });
  }
  return topics;
}

/** Subscribes each SQS endpoint as the template says; after topics and queues exist. */
export async function createSubscriptions(
  template: CfnTemplate,
  sns: SNSClient,
  context: ResolveContext,
  warn: (message: string) => void,
): Promise<void> {
  for (const [id, r] of byType(template, 'AWS::SNS::Subscription')) {
    const p = (r.Properties ?? {}) as SubscriptionProperties;
    const protocol = String(p.Protocol ?? '');
    if (protocol !== 'sqs') {
      warn(`subscription ${id}: protocol ${protocol} has no local delivery (only sqs)`);
      continue;
    }
    await sns.send(
      new SubscribeCommand({
        TopicArn: String(resolve(p.TopicArn, context)),
        Protocol: 'sqs',
        Endpoint: String(resolve(p.Endpoint, context)),
        Attributes: subscriptionAttributes(p, context),
        ReturnSubscriptionArn: true,
      }),
    );
  }
}

function subscriptionAttributes(p: SubscriptionProperties, context: ResolveContext): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (p.RawMessageDelivery !== undefined) attributes.RawMessageDelivery = String(p.RawMessageDelivery);
  if (p.FilterPolicy !== undefined) attributes.FilterPolicy = JSON.stringify(resolve(p.FilterPolicy, context));
  if (p.FilterPolicyScope !== undefined) attributes.FilterPolicyScope = String(p.FilterPolicyScope);
  return attributes;
}
