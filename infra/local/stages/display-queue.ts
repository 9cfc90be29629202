/**
 * `npm start`'s own queue for showing predictions: created in the local cloud and subscribed
 * to the results topic like any other subscriber, so the display never takes a message from
 * the users' results queue or from `retention results`.
 */
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import type { LocalCloud } from '#infra/local/cloud.ts';
import { STACK_OUTPUTS } from '#infra/stack-outputs.ts';
import { stackOutput } from './resources.ts';

/** Creates (or finds) the display queue, subscribes it with raw delivery; returns its URL. */
export async function subscribeDisplayQueue(cloud: Pick<LocalCloud, 'clients' | 'outputs' | 'stackName'>) {
  const topicArn = stackOutput(cloud, STACK_OUTPUTS.topic);
  const { sqs, sns } = cloud.clients;
  const created = await sqs.send(new CreateQueueCommand({ QueueName: `${cloud.stackName}-NpmStartDisplay` }));
  const url = created.QueueUrl;
  if (url === undefined) throw new Error('creating the display queue: the emulator returned no QueueUrl');
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = attributes.Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`the display queue ${url} has no QueueArn`);
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: arn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return url;
}
