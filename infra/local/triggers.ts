/**
 * What starts the stack's functions besides a direct call: S3 notifications (a real S3Event,
 * invoked asynchronously, or sent to a queue) and Kinesis event source mappings (one poller
 * a mapping, kinesis-poller.ts).
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { KinesisPoller } from './kinesis-poller.ts';
import { buildS3Event } from './s3-event.ts';
import { resolveString, type ResolveContext } from './intrinsics.ts';
import { matchesRule, type LocalTemplate, type NotificationRule } from './template.ts';
import type { Emit } from './activity.ts';
import type { AsyncInvocations } from './async-invocations.ts';
import type { EmulatorClients, Emulators, S3Upload } from './emulators.ts';
import type { StackFunctions } from './stack-functions.ts';
import { resourceOf, type LocalResources } from './stack-resources.ts';

export interface TriggerSettings {
  readonly template: LocalTemplate;
  readonly resources: LocalResources;
  readonly context: ResolveContext;
  readonly clients: EmulatorClients;
  readonly functions: StackFunctions;
  readonly asyncInvocations: AsyncInvocations;
  readonly emit: Emit;
}

/** Follows the emulator's uploads and serves the template's notification rules; returns the unsubscribe. */
export function serveS3Notifications(emulators: Emulators, settings: TriggerSettings): () => void {
  const { template, resources, asyncInvocations, emit } = settings;
  const bucketIdByName = new Map(Object.entries(resources.buckets).map(([id, b]) => [b.name, id]));
  return emulators.onS3Upload((upload) => {
    const bucketId = bucketIdByName.get(upload.bucket);
    if (!bucketId) return;
    emit({ kind: 'upload', bucket: upload.bucket, key: upload.key });
    const rules = template.notifications.filter(
      (r) => r.bucketLogicalId === bucketId && matchesRule(r, upload.key, 'ObjectCreated:Put'),
    );
    if (rules.length === 0) return;
    void asyncInvocations
      .track(() => notify(upload, rules, settings))
      .catch((error: Error) =>
        emit({ kind: 'warning', message: `S3 notification for ${upload.key} failed: ${error.message}` }),
      );
  });
}

async function notify(upload: S3Upload, rules: NotificationRule[], settings: TriggerSettings): Promise<void> {
  const { resources, clients, functions, asyncInvocations, context } = settings;
  const head = await clients.s3
    .send(new HeadObjectCommand({ Bucket: upload.bucket, Key: upload.key }))
    .catch(() => undefined);
  const event = buildS3Event({
    region: context.region,
    bucket: upload.bucket,
    key: upload.key,
    size: head?.ContentLength ?? 0,
    eTag: head?.ETag ?? '',
    at: upload.at,
  });
  await Promise.all(
    rules.map(async (rule) => {
      if (rule.kind === 'lambda') {
        if (functions.has(rule.targetLogicalId)) await asyncInvocations.invoke(rule.targetLogicalId, event);
        return;
      }
      const queue = resources.queues[rule.targetLogicalId];
      if (queue)
        await clients.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(event) }));
    }),
  );
}

/** One started poller per enabled Kinesis event source mapping; queues are polled elsewhere (queue-mappings.ts), other sources get a warning. */
export async function startKinesisPollers(
  settings: TriggerSettings,
  pollIntervalMs: number | undefined,
): Promise<KinesisPoller[]> {
  const { template, resources, context, clients, functions, asyncInvocations, emit } = settings;
  const pollers: KinesisPoller[] = [];
  for (const mapping of template.eventSourceMappings) {
    if (!mapping.enabled || !functions.has(mapping.functionLogicalId)) continue;
    const stream = resources.streams[mapping.sourceLogicalId];
    if (!stream && resources.queues[mapping.sourceLogicalId]) continue;
    if (!stream) {
      emit({
        kind: 'warning',
        message: `event source mapping ${mapping.logicalId}: ${mapping.sourceType} sources are not run locally`,
      });
      continue;
    }
    const fnId = mapping.functionLogicalId;
    const poller = new KinesisPoller({
      kinesis: clients.kinesis,
      streamName: stream.name,
      streamArn: stream.arn,
      region: context.region,
      functionArn: resourceOf(resources.functions, 'function', fnId).arn,
      settings: mapping,
      invoke: (event) => functions.invoke(fnId, event, 'async'),
      onFailure: asyncInvocations.destination(
        mapping.onFailure === undefined ? undefined : resolveString(mapping.onFailure, context),
      ),
      onBatch: (outcome) => emit({ kind: 'batch', function: fnId, ...outcome }),
      pollIntervalMs,
    });
    await poller.start();
    pollers.push(poller);
  }
  return pollers;
}
