/**
 * Where prediction results go: an SNS topic (KMS-encrypted, TLS only) that every subscriber
 * queue receives in full, so no reader ever takes results from another. Two queues are
 * subscribed here with raw message delivery (the body is the result JSON, no SNS envelope):
 * the public results queue (the documented one for users' consumers, with its own DLQ) and
 * the command line's queue (`retention results`). Anyone else subscribes a queue of their own.
 */
import { Duration } from 'aws-cdk-lib';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The command line's queue only needs what arrived while nobody ran `retention results` lately. */
const COMMAND_LINE_RETENTION = Duration.days(1);

export class ResultsFanOut extends Construct {
  readonly topic: Topic;
  /** The documented subscriber queue for users' own consumers. */
  readonly resultsQueue: Queue;
  readonly resultsDeadLetterQueue: Queue;
  /** `retention results` reads here, never from the users' queue. */
  readonly commandLineQueue: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      // The AWS-managed key: publishers and SQS subscribers in this account need no key policy.
      masterKey: Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
    this.resultsDeadLetterQueue = this.queue('ResultsDeadLetters');
    this.resultsQueue = this.queue('Results', {
      deadLetterQueue: { queue: this.resultsDeadLetterQueue, maxReceiveCount: 5 },
    });
    this.commandLineQueue = this.queue('CommandLineResults', {
      retentionPeriod: COMMAND_LINE_RETENTION,
      deadLetterQueue: { queue: this.resultsDeadLetterQueue, maxReceiveCount: 5 },
    });
    for (const queue of [this.resultsQueue, this.commandLineQueue])
      this.topic.addSubscription(new SqsSubscription(queue, { rawMessageDelivery: true }));
  }

  private queue(id: string, props: QueueProps = {}): Queue {
    return new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      ...props,
    });
  }
}
