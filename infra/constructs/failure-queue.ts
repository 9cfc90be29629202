/**
 * Where an asynchronously invoked function's failures land: after Lambda's bounded retries
 * the event and the error go to an encrypted, TLS-only queue kept 14 days, and an alarm
 * fires on the first message. docs/deploy.md "Failure queues" says what to do with one;
 * `retention failures` lists, shows and redrives them.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from '#infra/nag.ts';

/** Async retries before an event goes to the failure queue (Lambda's maximum is 2). */
const ASYNC_RETRY_ATTEMPTS = 2;
/** Events older than this are given up (and sent to the queue) even with retries left. */
const ASYNC_MAX_EVENT_AGE = Duration.hours(6);

/** The stack outputs naming each failure queue of asynchronous invocations. */
export const FAILURE_QUEUE_OUTPUTS = {
  extraction: 'ExtractionFailuresQueueUrl',
  training: 'TrainingStartFailuresQueueUrl',
  trends: 'TrendsFailuresQueueUrl',
  outcomes: 'OutcomesFailuresQueueUrl',
} as const;

export interface FailureQueue {
  readonly queue: Queue;
  readonly alarm: Alarm;
}

/**
 * A failure queue `id` in `scope` (and its alarm `<id>Alarm`) for `functions`' asynchronous
 * invocations; `what` says whose failures, for the alarm and the acknowledgement.
 */
export function failureQueue(
  scope: Construct,
  id: string,
  functions: readonly IFunction[],
  what: string,
): FailureQueue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(
    queue,
    'AwsSolutions-SQS3',
    `This queue is itself the on-failure destination of ${what}; a person reads and redrives it (retention failures).`,
  );
  for (const fn of functions) {
    fn.configureAsyncInvoke({
      retryAttempts: ASYNC_RETRY_ATTEMPTS,
      maxEventAge: ASYNC_MAX_EVENT_AGE,
      onFailure: new SqsDestination(queue),
    });
  }
  const alarm = new Alarm(scope, `${id}Alarm`, {
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
    alarmDescription: `${what} gave up on an event after retries: see its failure queue (retention failures list)`,
  });
  return { queue, alarm };
}
