/**
 * Real-time prediction: the Kinesis stream users' weekly features arrive on, the predict
 * Lambda that scores them (event source mapping with partial batch failures, bisect,
 * bounded retries and record age, an on-failure queue), the results topic with its
 * subscriber queues (results-fan-out.ts), the poison queue, the trends Lambda that rebuilds the site's
 * data/trends.json and data/at-risk.json from the trend parts' S3 events (queued, read in batches),
 * and alarms on every dead-letter queue and on the stream's iterator age.
 *
 * When no model is published yet the predict Lambda fails its batches; they are retried
 * until `maxRecordAge`, then the batch's description goes to the on-failure queue (alarmed)
 * while the records stay on the stream for its retention period, to be replayed.
 */
import { CfnOutput, Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EventType, type Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CURRENT_MODEL_KEY } from '#core/training/keys.ts';
import { SITE_TRENDS_KEY } from '#core/prediction/trends.ts';
import { SITE_AT_RISK_KEY } from '#core/prediction/at-risk.ts';
import { acknowledge } from '#infra/nag.ts';
import { FAILURE_QUEUE_OUTPUTS, failureQueue } from './failure-queue.ts';
import { grantObjects } from './object-grants.ts';
import { ResultsFanOut } from './results-fan-out.ts';
import type { FunctionFactory } from './training.ts';
import { readAtRiskSize, readResultsPerMessage, readStreamScaling, readTrendsBatching } from './prediction-scaling.ts';

export interface PredictionProps {
  readonly dataBucket: Bucket;
  readonly siteBucket: IBucket;
  /** Makes a Lambda with the project's defaults (the stack passes its project-function factory). */
  readonly newFunction: FunctionFactory;
  /** How often a warm predict Lambda re-checks models/current.json (seconds). Default 60. */
  readonly modelRefreshSeconds?: number;
  /** Records per predict invocation; overrides the context's (prediction-scaling.ts). */
  readonly batchSize?: number;
}

/** Stack output names: `retention feed` / `retention results` and the local cloud look them up. */
export const PREDICTION_OUTPUTS = {
  stream: 'PredictionStreamName',
  topic: 'ResultsTopicArn',
  results: 'PredictionResultsQueueUrl',
  commandLineResults: 'CommandLineResultsQueueUrl',
  poison: 'PredictionPoisonQueueUrl',
  failures: 'PredictionBatchFailuresQueueUrl',
  trendPartEvents: 'TrendPartEventsQueueUrl',
} as const;

export class Prediction extends Construct {
  readonly stream: Stream;
  readonly results: ResultsFanOut;
  readonly resultsQueue: Queue;
  readonly resultsDeadLetterQueue: Queue;
  readonly poisonQueue: Queue;
  readonly batchFailureQueue: Queue;
  readonly predictFunction: IFunction;
  readonly trendsFunction: IFunction;
  /** The trend parts' S3 events, read by the trends function in batches. */
  readonly trendPartEvents: Queue;
  /** The trends function's failed S3 events (after the queue's receives, or async retries on a redrive). */
  readonly trendsFailures: Queue;

  constructor(scope: Construct, id: string, props: PredictionProps) {
    super(scope, id);
    const queue = (name: string) =>
      new Queue(this, name, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
    this.results = new ResultsFanOut(this, 'ResultsFanOut');
    this.resultsQueue = this.results.resultsQueue;
    this.resultsDeadLetterQueue = this.results.resultsDeadLetterQueue;
    this.poisonQueue = queue('PoisonRecords');
    this.batchFailureQueue = queue('BatchFailures');
    // Queues that are themselves where failures end (no DLQ of a DLQ).
    acknowledge(
      this.poisonQueue,
      'AwsSolutions-SQS3',
      'The poison queue is itself the dead-letter destination of invalid records.',
    );
    acknowledge(
      this.batchFailureQueue,
      'AwsSolutions-SQS3',
      'The on-failure destination of the stream mapping: it is itself a dead-letter queue.',
    );

    const scaling = readStreamScaling(this.node);
    const atRiskSize = String(readAtRiskSize(this.node));
    this.stream = new Stream(this, 'Stream', {
      encryption: StreamEncryption.MANAGED,
      ...(scaling.streamMode === 'on-demand'
        ? { streamMode: StreamMode.ON_DEMAND }
        : { streamMode: StreamMode.PROVISIONED, shardCount: scaling.shardCount }),
      retentionPeriod: Duration.hours(24),
    });

    this.predictFunction = props.newFunction(this, 'PredictFunction', {
      entry: 'functions/handlers/prediction/predict.ts',
      memorySize: 1024,
      timeout: Duration.seconds(60),
      environment: {
        DATA_BUCKET: props.dataBucket.bucketName,
        RESULTS_TOPIC_ARN: this.results.topic.topicArn,
        POISON_QUEUE_URL: this.poisonQueue.queueUrl,
        MODEL_REFRESH_SECONDS: String(props.modelRefreshSeconds ?? 60),
        AT_RISK_SIZE: atRiskSize,
        RESULTS_PER_MESSAGE: String(readResultsPerMessage(this.node)),
        POWERTOOLS_SERVICE_NAME: 'predict',
        POWERTOOLS_METRICS_NAMESPACE: 'RetentionForest',
      },
    });
    // Untrusted stream input: no listing beyond "is there a current model", no other prefix.
    // Poison records too big for their message (claim check) are written under poison/, never read back.
    grantObjects(
      this.predictFunction,
      props.dataBucket,
      {
        'models/': ['read'],
        [CURRENT_MODEL_KEY]: ['list'],
        'predictions/trends/': ['write'],
        'predictions/scored/': ['write'],
        'poison/': ['write'],
      },
      'model versions, rounds, weeks and shards, record digests',
    );
    this.results.topic.grantPublish(this.predictFunction);
    this.poisonQueue.grantSendMessages(this.predictFunction);
    this.predictFunction.addEventSource(
      new KinesisEventSource(this.stream, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? scaling.batchSize,
        parallelizationFactor: scaling.parallelizationFactor,
        // No batching window (Lambda's default): a record goes out with the next read, so a paced
        // stream gets its results within a second; a backlog still fills batches of batchSize.
        maxBatchingWindow: Duration.seconds(0),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(this.batchFailureQueue),
      }),
    );

    this.trendsFunction = props.newFunction(this, 'TrendsFunction', {
      entry: 'functions/handlers/prediction/trends.ts',
      memorySize: 512,
      timeout: Duration.seconds(60),
      environment: {
        DATA_BUCKET: props.dataBucket.bucketName,
        SITE_BUCKET: props.siteBucket.bucketName,
        AT_RISK_SIZE: atRiskSize,
        POWERTOOLS_SERVICE_NAME: 'trends',
      },
    });
    // The parts it sums; each round's ledger of counted parts (outside the notified prefix);
    // the site documents it rebuilds (the at-risk list's metadata is read before it is replaced). It deletes nothing.
    grantObjects(
      this.trendsFunction,
      props.dataBucket,
      { 'predictions/trends/': ['read', 'list'], 'predictions/trends-counted/': ['read', 'write', 'list'] },
      'rounds and shards',
    );
    grantObjects(
      this.trendsFunction,
      props.siteBucket,
      { [SITE_TRENDS_KEY]: ['read', 'write', 'list'], [SITE_AT_RISK_KEY]: ['read', 'write', 'list'] },
      'none',
    );

    this.trendsFailures = failureQueue(this, 'TrendsFailures', [this.trendsFunction], 'the trends function').queue;
    new CfnOutput(this, FAILURE_QUEUE_OUTPUTS.trends, {
      key: FAILURE_QUEUE_OUTPUTS.trends,
      value: this.trendsFailures.queueUrl,
      description: 'S3 trend-part events the trends function gave up on',
    });
    this.trendPartEvents = this.trendPartQueue(props.dataBucket, this.trendsFailures);
    new CfnOutput(this, PREDICTION_OUTPUTS.trendPartEvents, {
      key: PREDICTION_OUTPUTS.trendPartEvents,
      value: this.trendPartEvents.queueUrl,
      description: 'S3 trend-part events the trends function reads (retention failures redrive sends them back here)',
    });

    this.alarms();
    new CfnOutput(this, PREDICTION_OUTPUTS.stream, {
      key: PREDICTION_OUTPUTS.stream,
      value: this.stream.streamName,
      description: "Kinesis stream for users' weekly features (retention feed)",
    });
    new CfnOutput(this, PREDICTION_OUTPUTS.topic, {
      key: PREDICTION_OUTPUTS.topic,
      value: this.results.topic.topicArn,
      description: 'Prediction results topic: subscribe a queue of your own (raw message delivery)',
    });
    new CfnOutput(this, PREDICTION_OUTPUTS.results, {
      key: PREDICTION_OUTPUTS.results,
      value: this.resultsQueue.queueUrl,
      description: 'Prediction results for your consumer (subscribed to the topic; nobody else reads it)',
    });
    new CfnOutput(this, PREDICTION_OUTPUTS.commandLineResults, {
      key: PREDICTION_OUTPUTS.commandLineResults,
      value: this.results.commandLineQueue.queueUrl,
      description: 'Prediction results for retention results (subscribed to the topic)',
    });
    new CfnOutput(this, PREDICTION_OUTPUTS.poison, {
      key: PREDICTION_OUTPUTS.poison,
      value: this.poisonQueue.queueUrl,
      description: 'Poison records with their reason',
    });
    new CfnOutput(this, PREDICTION_OUTPUTS.failures, {
      key: PREDICTION_OUTPUTS.failures,
      value: this.batchFailureQueue.queueUrl,
      description: 'Predict batches given up after retries',
    });
  }

  /**
   * S3 events of trend parts go to a queue the trends function reads in batches (a burst of
   * parts costs a few invocations, not one each). Two invocations at most run at once (the
   * mapping's least maximum concurrency); the function's writes are conditional, so two are
   * safe. No reserved concurrency: below the mapping's concurrency it would throttle
   * batches, and throttled receives count towards the dead-letter queue. A message that
   * fails 5 receives goes to the trends failure queue (alarmed).
   */
  private trendPartQueue(dataBucket: Bucket, deadLetters: Queue): Queue {
    const batching = readTrendsBatching(this.node);
    const events = new Queue(this, 'TrendPartEvents', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // AWS's advice for an SQS event source: six times the function's timeout (60 s).
      visibilityTimeout: Duration.seconds(6 * 60),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
    });
    dataBucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(events), {
      prefix: 'predictions/trends/',
      suffix: '.json',
    });
    this.trendsFunction.addEventSource(
      new SqsEventSource(events, {
        batchSize: batching.batchSize,
        maxBatchingWindow: Duration.seconds(batching.batchingWindowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );
    return events;
  }

  private alarms(): void {
    const anyMessage = (id: string, q: Queue, what: string) =>
      new Alarm(this, id, {
        metric: q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: what,
      });
    anyMessage(
      'PoisonRecordsAlarm',
      this.poisonQueue,
      'Records that are not valid features arrived on the prediction stream',
    );
    anyMessage(
      'BatchFailuresAlarm',
      this.batchFailureQueue,
      'The predict Lambda gave up on a batch (see the message for the shard and sequence range)',
    );
    anyMessage(
      'ResultsDeadLettersAlarm',
      this.resultsDeadLetterQueue,
      'A results consumer failed on a message 5 times',
    );
    new Alarm(this, 'IteratorAgeAlarm', {
      metric: this.stream.metricGetRecordsIteratorAgeMilliseconds({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 5 * 60_000,
      evaluationPeriods: 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Prediction is falling behind the stream by more than 5 minutes',
    });
  }
}
