/**
 * The data bucket (raw inputs, extracted weeks, training runs, models, prediction trends:
 * docs/formats.md "Data bucket layout") and the bucket its server access logs go to.
 * Both private, encrypted, TLS only. The data bucket is versioned so an overwritten raw
 * object or model can be recovered; old versions and abandoned uploads expire.
 */
import { Duration } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '#infra/nag.ts';
import type { StageSettings } from '#infra/settings.ts';

/** Days a claim-checked poison record is kept: the poison queue's retention plus one. */
const POISON_KEPT_DAYS = 15;

export interface DataLakeProps {
  readonly settings: StageSettings;
}

export class DataLake extends Construct {
  public readonly dataBucket: Bucket;
  public readonly logsBucket: Bucket;

  constructor(scope: Construct, id: string, props: DataLakeProps) {
    super(scope, id);
    const { removalPolicy, autoDeleteObjects } = props.settings;

    this.logsBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy,
      autoDeleteObjects,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    });
    acknowledge(
      this.logsBucket,
      'AwsSolutions-S1',
      'This is the access-log bucket itself: logging it into itself would loop.',
    );

    this.dataBucket = new Bucket(this, 'DataBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 'data-bucket/',
      removalPolicy,
      autoDeleteObjects,
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(2) },
        { id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(30) },
        // Prepared train/test sets are only needed while a run is looked at.
        { id: 'expire-training-runs', prefix: 'training/', expiration: Duration.days(30) },
        // A poison record too big for its message is kept here; the message naming it lives
        // 14 days in the poison queue, so the object outlives it by a day and then goes.
        { id: 'expire-poison-records', prefix: 'poison/', expiration: Duration.days(POISON_KEPT_DAYS) },
        // Raw weeks are kept (they can be re-extracted) but rarely read after a month.
        {
          id: 'raw-events-infrequent-access',
          prefix: 'raw/events/',
          transitions: [{ storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
        },
      ],
    });
  }
}
