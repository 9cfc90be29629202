/**
 * The stack's outputs by name: the one way the command line, the local stages and users'
 * tools find a resource (`cdk deploy --outputs-file`, or `outputs` in the local cloud's
 * state file). Each construct declares its own outputs under these keys.
 */
import { PREDICTION_OUTPUTS } from './constructs/prediction.ts';

export const STACK_OUTPUTS = {
  dataBucket: 'DataBucketName',
  extractionFailures: 'ExtractionFailuresQueueUrl',
  siteBucket: 'SiteBucketName',
  dashboardUrl: 'DashboardUrl',
  trainingStateMachine: 'TrainingStateMachineArn',
  ...PREDICTION_OUTPUTS,
} as const;

export type StackOutputName = (typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS];
