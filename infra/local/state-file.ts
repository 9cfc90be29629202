/**
 * `.retention/local-cloud.json`: written while a local cloud runs so that users (AWS CLI,
 * their own producers and consumers) and a second `npm start` can find it; removed at stop.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './template.ts';

const STATE_FILE_NAME = 'local-cloud.json';

export interface LocalCloudState {
  readonly formatVersion: 1;
  readonly pid: number;
  readonly startedAt: string;
  readonly region: string;
  readonly endpoints: Record<string, string>;
  readonly resources: unknown;
  readonly outputs: Record<string, string>;
}

/** The state folder: RETENTION_STATE_DIR (tests use their own), else `<project>/.retention`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.RETENTION_STATE_DIR || join(PROJECT_ROOT, '.retention');
}

export function statePath(stateDir: string): string {
  return join(stateDir, STATE_FILE_NAME);
}

export class LocalCloudRunningError extends Error {
  override readonly name = 'LocalCloudRunningError';
  readonly state: LocalCloudState;
  constructor(state: LocalCloudState, path: string) {
    const where = state.endpoints.s3 ? `S3/SQS at ${state.endpoints.s3}` : 'still starting';
    super(
      `a local cloud is already running (pid ${state.pid}, since ${state.startedAt}, ${where}); its details are in ${path}`,
    );
    this.state = state;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running local cloud's state, or undefined (a stale file from a crashed run is ignored). */
export function readRunningState(stateDir: string): LocalCloudState | undefined {
  let state: LocalCloudState;
  try {
    state = JSON.parse(readFileSync(statePath(stateDir), 'utf8')) as LocalCloudState;
  } catch {
    return undefined;
  }
  return typeof state.pid === 'number' && state.pid !== process.pid && alive(state.pid) ? state : undefined;
}

/** Throws LocalCloudRunningError when another live process holds the state file. */
function assertNotRunning(stateDir: string): void {
  const state = readRunningState(stateDir);
  if (state) throw new LocalCloudRunningError(state, statePath(stateDir));
}

/**
 * Takes the state file for this process before anything starts (exclusive create, so two
 * starts at the same moment cannot both win); a stale file from a dead process is replaced.
 */
export function claimState(stateDir: string, region: string): void {
  mkdirSync(stateDir, { recursive: true });
  const placeholder: LocalCloudState = {
    formatVersion: 1,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    region,
    endpoints: {},
    resources: {},
    outputs: {},
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(statePath(stateDir), `${JSON.stringify(placeholder, null, 2)}\n`, { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      assertNotRunning(stateDir);
      rmSync(statePath(stateDir), { force: true });
    }
  }
  assertNotRunning(stateDir);
}

/** Replaces the claim with what users need once everything runs: endpoints, resources, outputs. */
export function writeRunningState(
  stateDir: string,
  running: Pick<LocalCloudState, 'region' | 'endpoints' | 'resources' | 'outputs'>,
): void {
  const state: LocalCloudState = {
    formatVersion: 1,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    region: running.region,
    endpoints: running.endpoints,
    resources: running.resources,
    outputs: running.outputs,
  };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(statePath(stateDir), `${JSON.stringify(state, null, 2)}\n`);
}

/** Removes the file if it is ours (another process may have taken over after a crash). */
export function removeState(stateDir: string): void {
  try {
    const state = JSON.parse(readFileSync(statePath(stateDir), 'utf8')) as LocalCloudState;
    if (state.pid === process.pid) rmSync(statePath(stateDir), { force: true });
  } catch {
    // already gone
  }
}
