/**
 * Extraction in the cloud (docs/deploy.md):
 *
 *   S3 ObjectCreated raw/events/*.{log,tsv,gz} → Extract → extracted/week=<W>/part=<id>/…
 *                                                      and extracted/week=<W>/_COMPLETE.json
 *   S3 ObjectCreated raw/crm/, raw/profiles/   → Rejoin  → every stored part re-joined
 *
 * S3 invokes both asynchronously: failed invocations are retried a bounded number of times,
 * then the event (object key and error) goes to the on-failure queue, whose alarm fires on
 * any message. A week mostly rejected fails that way too. Rejoin runs one at a time.
 */
import { CfnOutput, Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { EventType, type Bucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageSettings } from '#infra/settings.ts';
import { extractionEnvironment } from './extraction-settings.ts';
import { FAILURE_QUEUE_OUTPUTS, failureQueue } from './failure-queue.ts';
import { grantObjects } from './object-grants.ts';
import type { ProjectFunctionProps } from './project-function.ts';

/** The event objects the extract function is notified of. */
const EVENT_PREFIX = 'raw/events/';
const EVENT_SUFFIXES = ['.log', '.tsv', '.gz'] as const;
/** A week in parts is complete when the uploader's raw/events/week=<W>/_SUCCESS lists them. */
const PARTS_LIST_SUFFIX = '_SUCCESS';
/** Table uploads that make the rejoin function re-join the stored weeks. */
const TABLE_PREFIXES = ['raw/crm/', 'raw/profiles/'] as const;

const EXTRACTION_OUTPUTS = {
  dataBucket: 'DataBucketName',
  failures: FAILURE_QUEUE_OUTPUTS.extraction,
} as const;

type NewFunction = (scope: Construct, id: string, spec: Omit<ProjectFunctionProps, 'settings'>) => IFunction;

export interface ExtractionProps {
  readonly dataBucket: Bucket;
  readonly settings: StageSettings;
  readonly newFunction: NewFunction;
}

export class Extraction extends Construct {
  public readonly extractFunction: IFunction;
  public readonly rejoinFunction: IFunction;
  /** Failed S3 events (after retries) of both functions, with the object key and the error. */
  public readonly failureQueue: Queue;

  constructor(scope: Construct, id: string, props: ExtractionProps) {
    super(scope, id);
    const data = props.dataBucket;

    const environment = { DATA_BUCKET: data.bucketName };

    // Sized from bench (docs/deploy.md): a 10M-event week streamed in one invocation.
    this.extractFunction = props.newFunction(this, 'ExtractFunction', {
      entry: 'functions/handlers/extraction/extract.ts',
      memorySize: 1769,
      timeout: Duration.minutes(10),
      environment: { ...environment, ...extractionEnvironment(this.node) },
    });
    // Its object and the tables and lists beside it; its own earlier output (user counts,
    // manifests) to decide week completeness. Listing tells an absent table or part from a refused one.
    grantObjects(
      this.extractFunction,
      data,
      { 'raw/': ['read', 'list'], 'extracted/': ['read', 'write', 'list'] },
      'weeks, parts, uploaded files',
    );
    for (const suffix of [...EVENT_SUFFIXES, PARTS_LIST_SUFFIX]) {
      data.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.extractFunction), {
        prefix: EVENT_PREFIX,
        suffix,
      });
    }

    this.rejoinFunction = props.newFunction(this, 'RejoinFunction', {
      entry: 'functions/handlers/extraction/rejoin.ts',
      memorySize: 1769,
      timeout: Duration.minutes(10),
      environment,
      // One rejoin at a time: two table uploads seconds apart re-join in turn, the later with the newest tables.
      reservedConcurrentExecutions: 1,
    });
    grantObjects(
      this.rejoinFunction,
      data,
      { 'raw/': ['read', 'list'], 'extracted/': ['read', 'write', 'list'] },
      'weeks, parts, uploaded files',
    );
    for (const prefix of TABLE_PREFIXES) {
      data.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.rejoinFunction), { prefix });
    }

    this.failureQueue = failureQueue(
      this,
      'Failures',
      [this.extractFunction, this.rejoinFunction],
      'the extract and rejoin functions',
    ).queue;

    new CfnOutput(this, EXTRACTION_OUTPUTS.dataBucket, {
      key: EXTRACTION_OUTPUTS.dataBucket,
      value: data.bucketName,
      description: 'Data bucket: upload raw/ inputs here',
    });
    new CfnOutput(this, EXTRACTION_OUTPUTS.failures, {
      key: EXTRACTION_OUTPUTS.failures,
      value: this.failureQueue.queueUrl,
      description: 'S3 events the extraction gave up on',
    });
  }
}
