/**
 * How an execution environment's thread starts: with the heap Lambda would give the function
 * and without the development loader the local cloud itself may run under.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The heap Lambda's Node.js bootstrap gives a function of `memoryMb`: a tenth of the memory
 * for new objects (two semi-spaces of a twentieth each) and the rest for the old generation.
 * Given the old generation alone, V8 would add a young generation of its own choosing on top
 * (192 MB for 1,024 MB), a heap larger than the function's memory.
 */
export function lambdaHeapLimits(memoryMb: number) {
  const newSpaceMb = Math.floor(memoryMb / 10);
  // V8's young generation holds three semi-spaces (from, to and new large objects).
  return {
    maxYoungGenerationSizeMb: Math.max(3, (newSpaceMb / 2) * 3),
    maxOldGenerationSizeMb: Math.max(64, memoryMb - newSpaceMb),
  };
}

/**
 * The parent's node flags less tsx's loader hooks. A bundle is plain JavaScript, as on Lambda,
 * and through the hooks loading it costs more than twice the CPU (the predict bundle: 311 ms
 * against 139 ms), in every environment that starts.
 */
export function withoutTsx(execArgv: readonly string[]): string[] {
  const isTsx = (value: string | undefined) => /(^|[/\\])tsx([/\\]|$)/.test(value ?? '');
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i] ?? '';
    if (['--import', '--require', '-r'].includes(flag) && isTsx(execArgv[i + 1])) i++;
    else if (!/^--(import|require)=/.test(flag) || !isTsx(flag.slice(flag.indexOf('=') + 1))) kept.push(flag);
  }
  return kept;
}

/**
 * A worker thread on `url` with this process's node flags less tsx's. Node refuses some flags
 * for a worker (V8's, when given explicitly); with those the thread inherits every flag, tsx too.
 */
export function startEnvironmentThread(url: URL, options: WorkerOptions): Worker {
  try {
    return new Worker(url, { ...options, execArgv: withoutTsx(process.execArgv) });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return new Worker(url, options);
  }
}
