/**
 * A stack with the prediction construct and the two buckets it needs, for template
 * assertions, the end-to-end local-cloud test and the benchmark (the product stack adds
 * the same construct with its own function factory).
 */
import { fileURLToPath } from 'node:url';
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Prediction } from '#infra/constructs/prediction.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export function buildPredictionApp(
  options: {
    outdir?: string;
    context?: Record<string, unknown>;
    modelRefreshSeconds?: number;
    batchSize?: number;
  } = {},
): App {
  const app = new App({ outdir: options.outdir, context: options.context });
  const stack = new Stack(app, 'PredictionFixture');
  const dataBucket = new Bucket(stack, 'DataBucket', { removalPolicy: RemovalPolicy.DESTROY });
  const siteBucket = new Bucket(stack, 'SiteBucket', { removalPolicy: RemovalPolicy.DESTROY });
  // The local stages find the buckets by these outputs, as they do in the product stack.
  new CfnOutput(stack, 'DataBucketName', { key: 'DataBucketName', value: dataBucket.bucketName });
  new CfnOutput(stack, 'SiteBucketName', { key: 'SiteBucketName', value: siteBucket.bucketName });
  new Prediction(stack, 'Prediction', {
    dataBucket,
    siteBucket,
    modelRefreshSeconds: options.modelRefreshSeconds ?? 1,
    batchSize: options.batchSize,
    newFunction: (scope, id, spec) =>
      new NodejsFunction(scope, id, {
        runtime: Runtime.NODEJS_24_X,
        projectRoot,
        depsLockFilePath: `${projectRoot}package-lock.json`,
        entry: `${projectRoot}${spec.entry}`,
        memorySize: spec.memorySize,
        timeout: spec.timeout ?? Duration.seconds(30),
        environment: spec.environment,
        bundling: { format: OutputFormat.ESM, externalModules: ['@aws-sdk/*'] },
      }),
  });
  return app;
}
