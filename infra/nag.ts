/**
 * cdk-nag on every synthesis, and acknowledging a finding next to the resource it is about,
 * always with the reason it is acceptable there.
 */
import { Aspects, CfnResource, Validations, type App, type IAspect, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks, rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Runs the AWS Solutions pack when the app synthesizes (findings land in policy-validation-report.json). */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/**
 * Accepts one finding on `scope` (and what it contains). `id` is a rule id
 * (`AwsSolutions-S1`) or one finding of a rule (`AwsSolutions-IAM5[Resource::*]`).
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 10) throw new Error(`acknowledging ${id} needs a real reason`);
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * CDK's own singleton helpers (the bucket-notifications handler, the auto-delete-objects
 * provider) bring CDK's choices: AWSLambdaBasicExecutionRole, a wildcard policy for
 * PutBucketNotification, and the runtime CDK picks. Each finding present on them is
 * acknowledged by its exact id; anything on our own resources stays visible.
 */
export function acknowledgeCdkHelpers(stack: Stack): void {
  Aspects.of(stack).add(new AcknowledgeCdkHelpers());
}

const HELPER_PATHS = [
  /\/BucketNotificationsHandler[0-9a-f]{32}\//,
  /\/Custom::S3AutoDeleteObjectsCustomResourceProvider\//,
];

class AcknowledgeCdkHelpers implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || !HELPER_PATHS.some((p) => p.test(node.node.path))) return;
    const checks = [
      [
        'AwsSolutions-IAM4',
        rules.iam.IAMNoManagedPolicies,
        'CDK attaches AWSLambdaBasicExecutionRole to its own helper Lambda: CloudWatch Logs writes only.',
      ],
      [
        'AwsSolutions-IAM5',
        rules.iam.IAMNoWildcardPermissions,
        "CDK's helper needs s3:PutBucketNotification on the stack's buckets; the action has no narrower resource form.",
      ],
    ] as const;
    for (const [id, rule, reason] of checks) {
      const result = rule(node);
      if (Array.isArray(result))
        Validations.of(node).acknowledge(...result.map((finding) => ({ id: `${id}[${finding}]`, reason })));
    }
    if (node.cfnResourceType === 'AWS::Lambda::Function' || node.cfnResourceType === 'AWS::IAM::Role') {
      Validations.of(node).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'CDK chooses the runtime of its helper Lambdas and moves it forward with aws-cdk-lib upgrades.',
      });
    }
  }
}
