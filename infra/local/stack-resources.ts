/**
 * The template's buckets, queues (with their redrive policies), topics (with their queue
 * subscriptions, stack-topics.ts) and streams, created in the emulators, and the local address (Ref and Fn::GetAtt values) of every resource, which is
 * what the template's intrinsics resolve against.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { resolve, type ResolveContext, type ResourceAddress } from './intrinsics.ts';
import type { EmulatorClients, Endpoints } from './emulators.ts';
import type { LocalTemplate } from './template.ts';
import { createSubscriptions, createTopics, type LocalTopic } from './stack-topics.ts';

export interface LocalResources {
  readonly buckets: Record<string, { name: string; arn: string }>;
  readonly queues: Record<string, { name: string; url: string; arn: string }>;
  readonly topics: Record<string, LocalTopic>;
  readonly streams: Record<string, { name: string; arn: string }>;
  readonly functions: Record<string, { name: string; arn: string }>;
  readonly stateMachines: Record<string, { name: string; arn: string }>;
}

/** The local resource of one logical id; the template names only what was created, so a miss is a bug here. */
export function resourceOf<T>(group: Readonly<Record<string, T>>, kind: string, logicalId: string): T {
  const found = group[logicalId];
  if (found === undefined) throw new Error(`the local stack has no ${kind} ${logicalId}`);
  return found;
}

export interface StackResources {
  readonly resources: LocalResources;
  /** Resolves the template's intrinsics to the local names, URLs and ARNs. */
  readonly context: ResolveContext;
}

interface Creation {
  readonly template: LocalTemplate;
  readonly clients: EmulatorClients;
  readonly endpoints: Endpoints;
  readonly region: string;
  readonly account: string;
  readonly resources: LocalResources;
  readonly addresses: Map<string, ResourceAddress>;
}

export async function createStackResources(
  template: LocalTemplate,
  clients: EmulatorClients,
  endpoints: Endpoints,
  where: { region: string; account: string },
  warn: (message: string) => void = () => undefined,
): Promise<StackResources> {
  const addresses = new Map<string, ResourceAddress>();
  for (const [id, resource] of Object.entries(template.template.Resources))
    addresses.set(id, placeholderAddress(id, resource.Type, where.region, where.account));
  const resources: LocalResources = {
    buckets: {},
    queues: {},
    topics: {},
    streams: {},
    functions: {},
    stateMachines: {},
  };
  const creation: Creation = { template, clients, endpoints, ...where, resources, addresses };
  const context: ResolveContext = {
    ...where,
    stackName: template.stackName,
    addresses,
    conditions: template.template.Conditions,
  };
  await createBuckets(creation);
  await createQueues(creation);
  await setRedrivePolicies(creation, context);
  Object.assign(resources.topics, await createTopics(template.template, template.stackName, clients.sns, addresses));
  await createSubscriptions(template.template, clients.sns, context, warn);
  await createStreams(creation);
  addressFunctionsAndStateMachines(creation);
  return { resources, context };
}

async function createBuckets({ template, clients, endpoints, region, resources, addresses }: Creation) {
  for (const bucket of template.buckets) {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket.name }));
    const arn = `arn:aws:s3:::${bucket.name}`;
    resources.buckets[bucket.logicalId] = { name: bucket.name, arn };
    addresses.set(bucket.logicalId, {
      ref: bucket.name,
      attributes: {
        Arn: arn,
        DomainName: `${bucket.name}.s3.amazonaws.com`,
        RegionalDomainName: `${bucket.name}.s3.${region}.amazonaws.com`,
        WebsiteURL: `${endpoints.s3}/${bucket.name}`,
      },
    });
  }
}

async function createQueues({ template, clients, region, account, resources, addresses }: Creation) {
  for (const queue of template.queues) {
    const created = await clients.sqs.send(
      new CreateQueueCommand({ QueueName: queue.name, Attributes: queue.attributes }),
    );
    const url = created.QueueUrl;
    if (url === undefined) throw new Error(`creating queue ${queue.name}: the emulator returned no QueueUrl`);
    const attrs = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    const arn = attrs.Attributes?.QueueArn ?? `arn:aws:sqs:${region}:${account}:${queue.name}`;
    resources.queues[queue.logicalId] = { name: queue.name, url, arn };
    addresses.set(queue.logicalId, { ref: url, attributes: { Arn: arn, QueueName: queue.name, QueueUrl: url } });
  }
}

/** After every queue exists: a redrive policy names its dead-letter queue's ARN. */
async function setRedrivePolicies({ template, clients, resources }: Creation, context: ResolveContext) {
  for (const queue of template.queues) {
    if (queue.redrivePolicy === undefined) continue;
    const policy = resolve(queue.redrivePolicy, context);
    await clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: resourceOf(resources.queues, 'queue', queue.logicalId).url,
        Attributes: { RedrivePolicy: JSON.stringify(policy) },
      }),
    );
  }
}

async function createStreams({ template, clients, region, account, resources, addresses }: Creation) {
  for (const stream of template.streams) {
    await clients.kinesis.send(new CreateStreamCommand({ StreamName: stream.name, ShardCount: stream.shardCount }));
    const summary = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream.name }));
    const arn =
      summary.StreamDescriptionSummary?.StreamARN ?? `arn:aws:kinesis:${region}:${account}:stream/${stream.name}`;
    resources.streams[stream.logicalId] = { name: stream.name, arn };
    addresses.set(stream.logicalId, { ref: stream.name, attributes: { Arn: arn } });
  }
}

/** Functions and state machines have nothing to create here: their runners come later. */
function addressFunctionsAndStateMachines({ template, region, account, resources, addresses }: Creation) {
  for (const fn of template.functions) {
    const arn = `arn:aws:lambda:${region}:${account}:function:${fn.name}`;
    resources.functions[fn.logicalId] = { name: fn.name, arn };
    addresses.set(fn.logicalId, { ref: fn.name, attributes: { Arn: arn } });
  }
  for (const machine of template.stateMachines) {
    const arn = `arn:aws:states:${region}:${account}:stateMachine:${machine.name}`;
    resources.stateMachines[machine.logicalId] = { name: machine.name, arn };
    addresses.set(machine.logicalId, {
      ref: arn,
      attributes: { Arn: arn, Name: machine.name, StateMachineRevisionId: 'local' },
    });
  }
}

/** Ref = logical id, Arn = a plausible ARN: for resources the local cloud does not create (roles, log groups...). */
function placeholderAddress(logicalId: string, type: string, region: string, account: string): ResourceAddress {
  const service = type.split('::')[1]?.toLowerCase() ?? 'local';
  const arn =
    service === 'iam'
      ? `arn:aws:iam::${account}:role/${logicalId}`
      : `arn:aws:${service}:${region}:${account}:${logicalId}`;
  const attributes = new Proxy({ Arn: arn } as Record<string, string>, {
    get: (target, attribute) =>
      typeof attribute === 'string' ? (target[attribute] ?? `local-${logicalId}-${attribute}`) : undefined,
  });
  return { ref: logicalId, attributes };
}
