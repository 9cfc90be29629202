/**
 * Helpers the benchmarks share (bench/run.ts skips files starting with `_`): a seeded
 * generator for input files, and a child process measured under /usr/bin/time.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../', import.meta.url));
/** Node 24 runs the .ts files directly: no tsx start-up cost. */
export const node = join(root, 'node_modules/.bin/node');

/** `value`, or an error naming what is missing (a result, an argument, a row a benchmark expects). */
export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`bench: ${what} is missing`);
  return value;
}

/** Command-line argument i of this process (a child the benchmark started with it). */
export function argvAt(i: number): string {
  return present(process.argv[i], `command-line argument ${i}`);
}

/** A child's result: the JSON on the last line of its output. */
export function lastJsonLine<T>(stdout: string, what: string): T {
  return JSON.parse(present(stdout.trim().split('\n').at(-1), `the output of ${what}`)) as T;
}

/** xorshift32: the same files on every run for a seed. */
export function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

export interface Measured {
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  stdout: string;
}

/** Runs `node args` under /usr/bin/time: wall time from here, CPU time and peak RSS from time(1). */
export async function measure(args: string[], env: Record<string, string> = {}): Promise<Measured> {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'TIME %U %S %M', node, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number];
  const wallSeconds = (performance.now() - started) / 1000;
  const time = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  if (code !== 0 || !time) throw new Error(`${args.join(' ')} failed (exit ${code}): ${stderr.slice(-2000)}`);
  return {
    wallSeconds,
    cpuSeconds: Number(time[1]) + Number(time[2]),
    peakRssMb: Math.round(Number(time[3]) / 1024),
    stdout,
  };
}
