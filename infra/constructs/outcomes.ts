/**
 * Outcomes ("were we right"): the Lambda that compares a week's kept predictions with who came
 * back the week after and keeps the site's data/outcomes.json, and the alarm on its realized
 * AUC. It is notified of every scored part (predictions/scored/), and, through an EventBridge
 * rule, of every training execution that succeeded: training (W → W+1) runs once week W+1's
 * extraction is complete, which is what judging week W waits for.
 */
import { CfnOutput, Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { CfnFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { EventType, type Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { REALIZED_AUC_METRIC, SITE_OUTCOMES_KEY } from '#core/prediction/outcomes.ts';
import { SCORED_PREFIX } from '#core/prediction/scored.ts';
import { EXECUTION_STATUS_CHANGE } from '#aws/step-functions-events.ts';
import { FAILURE_QUEUE_OUTPUTS, failureQueue } from './failure-queue.ts';
import { grantObjects } from './object-grants.ts';
import type { FunctionFactory } from './training.ts';

export interface OutcomesProps {
  readonly dataBucket: Bucket;
  readonly siteBucket: IBucket;
  readonly newFunction: FunctionFactory;
  /** The training gate's floor: a week whose realized AUC is below it is flagged and alarmed. */
  readonly floor: number;
  /** The training flow: each execution that succeeds lets the week before its label week be judged. */
  readonly trainingStateMachine: IStateMachine;
}

const SERVICE = 'outcomes';
/** EventBridge's attempts to hand an event to the function (Lambda's own retries come after). */
const RULE_RETRY_ATTEMPTS = 8;
const NAMESPACE = 'RetentionForest';

export class Outcomes extends Construct {
  readonly outcomesFunction: IFunction;
  readonly failures: Queue;
  /** The rule on the training flow's successful executions, targeting the function. */
  readonly trainingSucceeded: Rule;
  readonly realizedAucAlarm: Alarm;

  constructor(scope: Construct, id: string, props: OutcomesProps) {
    super(scope, id);
    const data = props.dataBucket;
    this.outcomesFunction = props.newFunction(this, 'OutcomesFunction', {
      entry: 'functions/handlers/prediction/outcomes.ts',
      memorySize: 1024,
      timeout: Duration.minutes(2),
      environment: {
        DATA_BUCKET: data.bucketName,
        SITE_BUCKET: props.siteBucket.bucketName,
        GATE_FLOOR: String(props.floor),
        POWERTOOLS_SERVICE_NAME: SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: NAMESPACE,
      },
    });
    // One update at a time: two would race to rewrite outcomes.json.
    const cfn = this.outcomesFunction.node.defaultChild;
    if (cfn instanceof CfnFunction) cfn.reservedConcurrentExecutions = 1;
    // The kept predictions, the next week's extraction (marker, active users), the one site document.
    grantObjects(
      this.outcomesFunction,
      data,
      { [SCORED_PREFIX]: ['read', 'list'], 'extracted/': ['read', 'list'] },
      'weeks, shards, parts',
    );
    grantObjects(this.outcomesFunction, props.siteBucket, { [SITE_OUTCOMES_KEY]: ['read', 'write', 'list'] }, 'none');
    data.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.outcomesFunction), {
      prefix: SCORED_PREFIX,
      suffix: '.json',
    });

    this.failures = failureQueue(this, 'OutcomesFailures', [this.outcomesFunction], 'the outcomes function').queue;
    new CfnOutput(this, FAILURE_QUEUE_OUTPUTS.outcomes, {
      key: FAILURE_QUEUE_OUTPUTS.outcomes,
      value: this.failures.queueUrl,
      description: 'Scored-part and training-succeeded events the outcomes function gave up on',
    });
    this.trainingSucceeded = trainingSucceededRule(this, props.trainingStateMachine);
    // Events EventBridge could not hand over go to the same queue as those the function gave up on.
    this.trainingSucceeded.addTarget(
      new LambdaFunction(this.outcomesFunction, {
        deadLetterQueue: this.failures,
        retryAttempts: RULE_RETRY_ATTEMPTS,
        maxEventAge: Duration.hours(6),
      }),
    );

    this.realizedAucAlarm = new Alarm(this, 'RealizedAucAlarm', {
      metric: new Metric({
        namespace: NAMESPACE,
        metricName: REALIZED_AUC_METRIC,
        dimensionsMap: { service: SERVICE },
        statistic: 'Minimum',
        period: Duration.minutes(5),
      }),
      threshold: props.floor,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription:
        `A week's predictions, compared with who came back, have a realized AUC below the gate's floor ${props.floor}: ` +
        'see data/outcomes.json (belowFloor) and docs/deploy.md "Outcomes"',
    });
  }
}

/** Matches only the given state machine's executions that ended SUCCEEDED. */
function trainingSucceededRule(scope: Construct, machine: IStateMachine): Rule {
  return new Rule(scope, 'TrainingSucceeded', {
    description: 'A training execution succeeded: its label week is complete, so the week before can be judged',
    eventPattern: {
      source: ['aws.states'],
      detailType: [EXECUTION_STATUS_CHANGE],
      detail: { status: ['SUCCEEDED'], stateMachineArn: [machine.stateMachineArn] },
    },
  });
}
