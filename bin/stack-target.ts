/**
 * Which stack a command talks to, and its outputs: the one way the command line finds a
 * resource. A deployed stack when `--outputs FILE` (`cdk deploy --outputs-file`) or `--aws`
 * is given, else the running local cloud (its state file holds the same outputs), else AWS.
 * A flag or environment variable naming one resource overrides that output only; it never
 * changes which cloud is used.
 */
import { readFileSync } from 'node:fs';
import { UsageError, optional, type Options, type ParsedArgs } from './cli-kit.ts';
import { defaultStateDir, readRunningState } from '#infra/local/state-file.ts';
import type { Endpoints } from '#infra/local/emulators.ts';
import type { StackOutputName } from '#infra/stack-outputs.ts';

export const stackOptions: Options = {
  outputs: { type: 'string' },
  aws: { type: 'boolean' },
};

export const stackUsage = `Target: the running local cloud (npm start), or a deployed stack with
  --outputs FILE         the JSON of \`cdk deploy --outputs-file FILE\`
  --aws                  AWS (the SDK's usual credentials) even while a local cloud runs`;

export interface StackTarget {
  readonly where: string;
  /** The local cloud's endpoints and region; undefined for AWS. */
  readonly local?: {
    readonly endpoints: Endpoints & { readonly stepFunctions?: string; readonly lambda?: string };
    readonly region: string;
  };
  readonly outputs: Readonly<Record<string, string>>;
}

export function findStack(args: ParsedArgs): StackTarget {
  const file = optional(args, 'outputs');
  if (file) return { where: 'AWS', outputs: readOutputsFile(file) };
  if (args.values.aws === true) return { where: 'AWS', outputs: {} };
  const state = readRunningState(defaultStateDir());
  if (!state) return { where: 'AWS (no local cloud is running: npm start starts one)', outputs: {} };
  return {
    where: `the local cloud (pid ${state.pid})`,
    local: { endpoints: state.endpoints as unknown as Endpoints, region: state.region },
    outputs: state.outputs,
  };
}

/** A resource's name: its flag, else its environment variable, else the stack output. */
export function resourceName(
  args: ParsedArgs,
  target: StackTarget,
  names: { flag: string; env: string; output: StackOutputName },
): string | undefined {
  return optional(args, names.flag) ?? (process.env[names.env] || undefined) ?? target.outputs[names.output];
}

/** `cdk deploy --outputs-file` writes { StackName: { OutputKey: value } }; one stack expected. */
function readOutputsFile(path: string): Record<string, string> {
  let parsed: Record<string, Record<string, string>>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, string>>;
  } catch (error) {
    throw new UsageError(`--outputs ${path}: ${(error as Error).message}`);
  }
  return Object.assign({}, ...Object.values(parsed)) as Record<string, string>;
}
