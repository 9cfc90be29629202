/** The template's SQS event source mappings, each run by a local poller (sqs-poller.ts). */
import { SqsPoller } from './sqs-poller.ts';
import type { TriggerSettings } from './triggers.ts';

/** One started poller per enabled mapping whose source is a queue of the template. */
export function startQueuePollers(settings: TriggerSettings): SqsPoller[] {
  const { template, resources, context, clients, functions, emit } = settings;
  const pollers: SqsPoller[] = [];
  for (const mapping of template.eventSourceMappings) {
    const queue = resources.queues[mapping.sourceLogicalId];
    if (!queue || !mapping.enabled || !functions.has(mapping.functionLogicalId)) continue;
    const fnId = mapping.functionLogicalId;
    const poller = new SqsPoller({
      sqs: clients.sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: context.region,
      settings: mapping,
      invoke: (event) => functions.invoke(fnId, event, 'async'),
      onBatch: (outcome) => emit({ kind: 'queue-batch', function: fnId, ...outcome }),
      onError: (error) => emit({ kind: 'warning', message: `polling ${queue.name} for ${fnId}: ${error.message}` }),
    });
    poller.start();
    pollers.push(poller);
  }
  return pollers;
}
