/**
 * Reading and redriving a failure queue: each message is Lambda's destination record for an
 * asynchronous invocation given up after its retries (the event, the function, the error),
 * a stream mapping's description of a batch it gave up on, an S3 event dead-lettered by the
 * queue a function reads (the message is the event itself), or an event EventBridge could not
 * deliver to a rule's target (the event itself; the target and the error in the message's
 * attributes). Looking does not consume;
 * redrive invokes the function again with the original event (asynchronously, so its
 * retries and failure queue apply again), or sends a dead-lettered event back to its source
 * queue, and deletes the message once Lambda or the queue accepted it.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { isExecutionStatusEvent } from '#aws/step-functions-events.ts';

export interface FailedInvocation {
  readonly messageId: string;
  /** The function that failed (ARN), when the record says. */
  readonly functionArn?: string;
  /** RetriesExhausted, EventAgeExceeded, … */
  readonly condition?: string;
  readonly error?: string;
  /** What the event was about: object keys, or a shard's sequence range. */
  readonly subjects: readonly string[];
  /** The original event, when the record carries it (a stream batch description does not). */
  readonly requestPayload?: unknown;
  /** The message is the event itself, dead-lettered by the queue a function reads (no function named). */
  readonly deadLettered?: boolean;
  readonly timestamp?: string;
}

type S3Records = { s3?: { bucket?: { name?: string }; object?: { key?: string } } }[];

interface DestinationRecord {
  /** A bare S3 event (a dead-lettered queue message). */
  Records?: S3Records;
  timestamp?: string;
  requestContext?: { functionArn?: string; condition?: string };
  requestPayload?: { Records?: S3Records };
  responsePayload?: { errorMessage?: string; errorType?: string };
  KinesisBatchInfo?: { shardId?: string; startSequenceNumber?: string; endSequenceNumber?: string };
}

/** A message read as a failure; a body that is not one is reported as such, never dropped. */
function describeFailure(message: Message): FailedInvocation {
  const messageId = message.MessageId ?? '';
  const body = message.Body ?? '';
  let record: DestinationRecord;
  try {
    record = JSON.parse(body) as DestinationRecord;
  } catch {
    return { messageId, subjects: [], error: `not a JSON destination record: ${body.slice(0, 200)}` };
  }
  if (isExecutionStatusEvent(record)) return undeliveredEvent(messageId, record, message.MessageAttributes ?? {});
  if (Array.isArray(record.Records) && record.requestPayload === undefined)
    return {
      messageId,
      subjects: objectsOf(record.Records),
      error: "dead-lettered after the source queue's receives (the function's log says why)",
      requestPayload: record,
      deadLettered: true,
    };
  const batch = record.KinesisBatchInfo;
  const subjects = batch
    ? [`${batch.shardId ?? '?'} ${batch.startSequenceNumber ?? '?'}..${batch.endSequenceNumber ?? '?'}`]
    : subjectsOf(record.requestPayload);
  const response = record.responsePayload;
  return {
    messageId,
    functionArn: record.requestContext?.functionArn,
    condition: record.requestContext?.condition,
    error: response ? [response.errorType, response.errorMessage].filter(Boolean).join(': ') : undefined,
    subjects,
    requestPayload: record.requestPayload,
    timestamp: record.timestamp,
  };
}

/** An event EventBridge gave up delivering: the body is the event, the attributes say where to and why. */
function undeliveredEvent(
  messageId: string,
  event: unknown,
  attributes: Record<string, MessageAttributeValue>,
): FailedInvocation {
  const attribute = (name: string) => attributes[name]?.StringValue;
  return {
    messageId,
    functionArn: attribute('TARGET_ARN'),
    condition: attribute('EXHAUSTED_RETRY_CONDITION') ?? 'NotDelivered',
    error: [attribute('ERROR_CODE'), attribute('ERROR_MESSAGE')].filter(Boolean).join(': ') || undefined,
    subjects: subjectsOf(event),
    requestPayload: event,
  };
}

/** What an event was about: S3 objects, or a Step Functions execution and how it ended. */
function subjectsOf(event: unknown): string[] {
  if (isExecutionStatusEvent(event)) return [`execution ${event.detail.name} ${event.detail.status}`];
  return objectsOf((event as { Records?: S3Records } | undefined)?.Records ?? []);
}

const objectsOf = (records: S3Records) =>
  records.flatMap((r) =>
    r.s3?.object?.key
      ? [`s3://${r.s3.bucket?.name ?? '?'}/${decodeURIComponent(r.s3.object.key.replace(/\+/g, ' '))}`]
      : [],
  );

/** Messages on the queue, visible or being looked at (approximate, as SQS counts). */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const count = (name: string) => Number(attributes.Attributes?.[name as 'ApproximateNumberOfMessages'] ?? 0);
  return count('ApproximateNumberOfMessages') + count('ApproximateNumberOfMessagesNotVisible');
}

/** Up to `max` failures, left on the queue (received with no visibility timeout). */
export async function peekFailures(sqs: SQSClient, queueUrl: string, max: number): Promise<FailedInvocation[]> {
  const seen = new Map<string, FailedInvocation>();
  for (let round = 0; seen.size < max && round < Math.ceil(max / 10) + 3; round++) {
    const messages = await receive(sqs, queueUrl, 0);
    const fresh = messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) break;
    for (const m of fresh) seen.set(m.MessageId ?? '', describeFailure(m));
  }
  return [...seen.values()].slice(0, max);
}

export interface RedriveOutcome {
  readonly redriven: FailedInvocation[];
  /** Left on the queue, with why (no event to send again, or Lambda refused it). */
  readonly kept: { failure: FailedInvocation; why: string }[];
}

/**
 * Sends up to `max` failed events back to their functions (or dead-lettered ones to
 * `sourceQueueUrl`, the queue they came from); each is deleted once accepted.
 */
export async function redriveFailures(
  sqs: SQSClient,
  lambda: LambdaClient,
  queueUrl: string,
  max: number,
  sourceQueueUrl?: string,
): Promise<RedriveOutcome> {
  const outcome: RedriveOutcome = { redriven: [], kept: [] };
  const handled = new Set<string>();
  while (outcome.redriven.length + outcome.kept.length < max) {
    const messages = (await receive(sqs, queueUrl, 60)).filter((m) => !handled.has(m.MessageId ?? ''));
    if (messages.length === 0) break;
    for (const message of messages.slice(0, max - outcome.redriven.length - outcome.kept.length)) {
      handled.add(message.MessageId ?? '');
      const failure = describeFailure(message);
      const why = failure.deadLettered
        ? await backToSource(sqs, sourceQueueUrl, message.Body ?? '')
        : await redriveOne(lambda, failure);
      if (why === undefined) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        outcome.redriven.push(failure);
      } else {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
        outcome.kept.push({ failure, why });
      }
    }
  }
  return outcome;
}

/** Undefined when the source queue took the message again, else why not. */
async function backToSource(sqs: SQSClient, sourceQueueUrl: string | undefined, body: string) {
  if (!sourceQueueUrl) return 'a dead-lettered event, and no source queue is known for this failure queue';
  try {
    await sqs.send(new SendMessageCommand({ QueueUrl: sourceQueueUrl, MessageBody: body }));
    return undefined;
  } catch (error) {
    return `the source queue refused it: ${(error as Error).message}`;
  }
}

/** Undefined when Lambda accepted the event again, else why not. */
async function redriveOne(lambda: LambdaClient, failure: FailedInvocation): Promise<string | undefined> {
  if (!failure.functionArn || failure.requestPayload === undefined)
    return 'no original event in the record (a stream batch: replay its sequence range instead)';
  try {
    await lambda.send(
      new InvokeCommand({
        FunctionName: failure.functionArn.replace(/:\$LATEST$/, ''),
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(failure.requestPayload)),
      }),
    );
    return undefined;
  } catch (error) {
    return `Lambda refused it: ${(error as Error).message}`;
  }
}

async function receive(sqs: SQSClient, queueUrl: string, visibilityTimeout: number): Promise<Message[]> {
  const received = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      WaitTimeSeconds: 0,
      VisibilityTimeout: visibilityTimeout,
    }),
  );
  return received.Messages ?? [];
}
