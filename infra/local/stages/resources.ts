/**
 * The product's resources in a local cloud, found the one way the command line and users
 * find them: by the stack's outputs (infra/stack-outputs.ts), never by guessing logical ids.
 */
import type { LocalCloud } from '#infra/local/cloud.ts';
import { STACK_OUTPUTS, type StackOutputName } from '#infra/stack-outputs.ts';

type Outputs = Pick<LocalCloud, 'outputs' | 'stackName'>;

/** The value of a stack output; a stack without it cannot run the stage that asks. */
export function stackOutput(cloud: Outputs, name: StackOutputName): string {
  const value = cloud.outputs[name];
  if (value === undefined)
    throw new Error(
      `the stack ${cloud.stackName} has no output ${name} (it has: ${Object.keys(cloud.outputs).join(', ') || 'none'})`,
    );
  return value;
}

export const dataBucket = (cloud: Outputs) => ({ name: stackOutput(cloud, STACK_OUTPUTS.dataBucket) });
export const siteBucket = (cloud: Outputs) => ({ name: stackOutput(cloud, STACK_OUTPUTS.siteBucket) });
