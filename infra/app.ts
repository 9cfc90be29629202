/**
 * The CDK app: the RetentionForest stack with cdk-nag's AWS Solutions checks on every
 * synthesis. `cdk synth` runs it through infra/main.ts; tests and the local cloud call
 * buildApp with their own outdir and context (e.g. `aws:cdk:bundling-stacks: []` to skip
 * bundling when the assets do not matter).
 */
import { App } from 'aws-cdk-lib';
import { addNagChecks } from './nag.ts';
import { RetentionForestStack, STACK_NAME } from './stack.ts';

/**
 * Feature flags the stack relies on, set here rather than only in cdk.json so tests and the
 * local cloud (which build the app without the CLI) synthesize the same template.
 */
export const FEATURE_FLAGS: Record<string, unknown> = {
  // Access logs delivered under a bucket policy, not the legacy LogDeliveryWrite ACL.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
  '@aws-cdk/core:checkSecretUsage': true,
};

export interface BuildAppOptions {
  readonly outdir?: string;
  readonly context?: Record<string, unknown>;
}

export interface BuiltApp {
  readonly app: App;
  readonly stack: RetentionForestStack;
  /** `app.synth()`, so the local cloud can synthesize what buildApp returns. */
  synth(): ReturnType<App['synth']>;
}

export function buildApp(options: BuildAppOptions = {}): BuiltApp {
  const app = new App({ outdir: options.outdir, context: { ...FEATURE_FLAGS, ...options.context } });
  const stack = new RetentionForestStack(app, STACK_NAME, {
    // Environment-agnostic unless the CLI supplies an account and region.
    env: process.env.CDK_DEFAULT_ACCOUNT
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined,
  });
  addNagChecks(app);
  return { app, stack, synth: () => app.synth() };
}
