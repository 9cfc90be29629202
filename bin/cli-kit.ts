/**
 * What every `retention` command shares: a definition shape, argument parsing with
 * one-line errors, and exit codes (0 ok, 1 the job failed, 2 wrong arguments).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  /** One line for `retention --help`. */
  readonly summary: string;
  /** The usage text `retention <name> --help` prints (flags with their meaning and defaults). */
  readonly usage: string;
  readonly options: Options;
  /** Runs the command; resolves to its exit code. Throw UsageError for wrong arguments. */
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** Wrong arguments: the CLI prints the message on one line and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
  try {
    return parseArgs({ args: argv, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
}

/** A string flag that must be present. */
export function required(args: ParsedArgs, name: string): string {
  const value = args.values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`--${name} is required`);
  return value;
}

/** A string flag that may be absent. */
export function optional(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable string flag (declared with `multiple: true`), as a list. */
export function list(args: ParsedArgs, name: string): string[] {
  const value = args.values[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** An integer flag within [min, max], or the default when absent. */
export function integer(
  args: ParsedArgs,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = optional(args, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A decimal flag within [min, max], or the default when absent. */
export function decimal(args: ParsedArgs, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const raw = optional(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got "${raw}"`);
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A duration like "2s", "500ms" or "1m", in milliseconds. */
export function duration(args: ParsedArgs, name: string, fallbackMs: number): number {
  const raw = optional(args, name);
  if (raw === undefined) return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw);
  if (!match) throw new UsageError(`--${name} must be a duration like 2s, 500ms or 1m, got "${raw}"`);
  const unit = match[2] ?? 's';
  return Number(match[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000);
}
