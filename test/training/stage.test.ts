/**
 * The `npm start` training stage on the training fixture stack: it starts (0 → 1) through
 * the local Step Functions endpoint, waits, and reports the candidates' AUCs, the gate's
 * decision and the published version. And `retention train --cloud` against that local cloud.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { training, type TrainingSummary } from '#infra/local/stages/training.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startTrainingCloud, type TrainingCloud } from './fixtures/cloud.ts';
import { defined } from '#test/support/defined.ts';

const execFileAsync = promisify(execFile);
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('npm start training stage', () => {
  let local: TrainingCloud;
  beforeAll(async () => {
    local = await startTrainingCloud();
  });
  afterAll(() => local?.cloud.stop());

  it('trains week 0 → 1 and reports candidates, gate and version', async () => {
    const progress: string[] = [];
    const result = await training.run({
      cloud: local.cloud,
      options: { users: 400, weeks: 2, once: true, seed: 1 },
      results: {},
      progress: (text) => progress.push(text),
      log: () => undefined,
      signal: new AbortController().signal,
    });
    const summary = result.summary as TrainingSummary;
    expect(result.ok).toBe(true);
    expect(summary.runs).toHaveLength(1);
    const run = defined(summary.runs[0], 'the run');
    expect(run).toMatchObject({ trainWeek: '0', labelWeek: '1', status: 'SUCCEEDED', decision: 'promote' });
    expect(run.candidates).toHaveLength(4);
    expect(summary.currentVersion).toBe(run.version);
    expect(result.lines.filter((l) => /candidate c\d: AUC \d\.\d{4}/.test(l))).toHaveLength(4);
    expect(result.lines).toContain(`models/current.json → ${run.version}`);
    expect(progress.some((p) => p.endsWith(': Train #3'))).toBe(true);
  });

  it('retention train-cloud starts a run on the running local cloud once, however often it is asked', async () => {
    // Another process, as a user runs it: the CLI finds the local cloud through its state file.
    const cli = (...args: string[]) =>
      execFileAsync(process.execPath, ['--import', 'tsx', 'bin/retention.ts', 'train-cloud', ...args], {
        cwd: projectRoot,
        env: { ...process.env, RETENTION_STATE_DIR: local.cloud.stateDir },
      });
    const first = await cli('--train-week', '0', '--params', '{"numTrees":3,"maxDepth":3}');
    const second = await cli('--train-week', '0', '--params', '{"maxDepth":3,"numTrees":3}');
    expect(first.stderr).toMatch(/^started: train-0-1-[0-9a-f]{16} in the local cloud/);
    expect(first.stderr).toMatch(/\npromoted \S+: test AUC/);
    expect(second.stderr.split('\n')[0]).toBe(
      first.stderr.split('\n')[0]?.replace('started:', 'already started (same inputs):'),
    );
    expect(JSON.parse(first.stdout).decision).toBe('promote');
    expect(local.cloud.stepFunctions.executions.size).toBe(2); // the stage's run and this one
    await expect(cli('--train-week', 'soon')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--train-week: "soon" is not a week/),
    });
  });
});
