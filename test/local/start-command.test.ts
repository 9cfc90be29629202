/**
 * `retention start` as a user runs it: a child process, its exit code, its JSON summary.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '#test/support/wait-for.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

function spawnStart(args: string[], stateDir: string) {
  return spawn(process.execPath, ['--import', 'tsx', 'bin/retention.ts', 'start', ...args], {
    cwd: projectRoot,
    env: { ...process.env, RETENTION_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function runStart(args: string[], stateDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnStart(args, stateDir);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Sum of a manifest-style rejects object. */
/** What the state file says while `retention start` runs. */
interface RunningState {
  pid: number;
  endpoints?: { s3?: string };
}

interface PredictionView {
  rounds: { round: number; week: number; sent: number; results: number }[];
  outcomes: { week: number; outcomeWeek: number; usersScored: number; actualRetained: number; realizedAuc: number }[];
}

interface TrainingRun {
  trainWeek: string;
  labelWeek: string;
  decision?: string;
  reason?: string;
  version?: string;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('retention start', () => {
  it('says a local cloud is already running, instead of failing on a busy port', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'retention-start-'));
    try {
      // This test process plays the running instance: a live pid holding the state file.
      const running = {
        formatVersion: 1,
        pid: process.pid,
        startedAt: new Date().toISOString(),
        region: 'us-east-1',
        endpoints: { s3: 'http://127.0.0.1:1' },
        resources: {},
        outputs: {},
      };
      writeFileSync(join(stateDir, 'local-cloud.json'), JSON.stringify(running));
      const { code, stdout, stderr } = await runStart(['--once'], stateDir);
      expect(stderr).toContain(`already running (pid ${process.pid}`);
      expect(code).toBe(1);
      expect(JSON.parse(stdout)).toMatchObject({ ok: false, reason: 'already-running', running: { pid: process.pid } });
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('rejects a wrong --users with a one-line usage error (exit 2)', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'retention-start-'));
    try {
      const { code, stderr } = await runStart(['--users', 'many'], stateDir);
      expect(code).toBe(2);
      expect(stderr.trim()).toBe('retention start: --users must be a whole number, got "many"');
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it(
    '--once --users 200 runs the pipeline on the product stack and prints a JSON summary (exit 0)',
    { timeout: 240_000 },
    async () => {
      const stateDir = mkdtempSync(join(tmpdir(), 'retention-start-'));
      try {
        const { code, stdout, stderr } = await runStart(['--once', '--users', '200'], stateDir);
        expect(code, stderr.slice(-3000)).toBe(0);
        const summary = JSON.parse(stdout);
        expect(summary.ok).toBe(true);
        for (const [name, stage] of Object.entries<{ status: string }>(summary.stages))
          expect([name, stage.status]).toEqual([name, 'ok']);
        const demo = summary.stages['demo-data'].summary;
        expect(demo.users).toBe(200);
        expect(demo.eventKeys).toHaveLength(3);
        const extraction = summary.stages.extraction.summary;
        expect(extraction.manifests).toBe(3);
        expect(extraction.failures).toEqual([]);
        for (const week of extraction.weeks) {
          expect(week.linesRead).toBe(week.accepted + total(week.rejected));
          expect(week.joined).toBeGreaterThan(0);
          expect(week.joined).toBeLessThanOrEqual(200);
        }
        // The demo is a little dirty: some lines are rejected, with their reasons.
        expect(total(extraction.weeks[0].rejected)).toBeGreaterThan(0);
        // Both week pairs train, their runs started together: one promotion is judged against
        // no model, any other against the model current then; the pointer ends on the latest.
        const training = summary.stages.training.summary as { runs: TrainingRun[]; currentVersion?: string };
        expect(training.runs.map((r) => `${r.trainWeek} → ${r.labelWeek}`).sort()).toEqual(['0 → 1', '1 → 2']);
        const story = training.runs.map((r) => `${r.trainWeek}: ${r.decision} (${r.reason})`).join('; ');
        const promotions = training.runs.filter((r) => r.decision === 'promote');
        const againstNone = promotions.filter((r) => r.reason?.endsWith('; no current model'));
        expect(againstNone, story).toHaveLength(1);
        for (const run of promotions.filter((r) => !againstNone.includes(r)))
          expect(run.reason, story).toMatch(/; current model \d\.\d{4}, margin/);
        const latest = promotions.sort((a, b) => Number(b.trainWeek) - Number(a.trainWeek))[0];
        expect(training.currentVersion, story).toBe(latest?.version);
        expect(Object.keys(summary.stages)).toEqual(['demo-data', 'extraction', 'training', 'prediction', 'dashboard']);
        // Each week is a round naming its week; a week whose next week is extracted has its
        // outcome (weeks 0 and 1), the last one waits for its next week.
        const prediction = summary.stages.prediction.summary as PredictionView;
        expect(prediction.rounds.map((r) => [r.round, r.week, r.results === r.sent])).toEqual([
          [0, 0, true],
          [1, 1, true],
          [2, 2, true],
        ]);
        expect(prediction.outcomes.map((o) => [o.week, o.outcomeWeek])).toEqual([
          [0, 1],
          [1, 2],
        ]);
        for (const [i, o] of prediction.outcomes.entries()) {
          const week = demo.weeks[i + 1];
          expect(o.usersScored).toBe(prediction.rounds[i]?.sent);
          // Who came back: the scored users among the next week's actives (returns and sign-ups are not scored).
          expect(o.actualRetained).toBe(demo.weeks[i].retained);
          expect(o.actualRetained).toBeLessThanOrEqual(week.activeUsers);
          expect(o.realizedAuc).toBeGreaterThan(0.5);
        }
        // The dashboard stage served the page and the documents the pipeline published.
        expect(summary.stages.dashboard.summary.status).toEqual({
          '/': 200,
          '/data/trees.json': 200,
          '/data/card.json': 200,
          '/data/trends.json': 200,
          '/data/outcomes.json': 200,
        });
        expect(summary.cloud.endpoints.s3).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(stderr).toContain('▸ Where things are');
        expect(stderr).toMatch(/ {2}Step Functions {2}http:\/\/127\.0\.0\.1:\d+\n/);
        expect(existsSync(join(stateDir, 'local-cloud.json'))).toBe(false);
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
      }
    },
  );

  it(
    'Ctrl-C while the pipeline runs stops every emulator and worker, and a second start meanwhile is turned away',
    { timeout: 180_000 },
    async () => {
      const stateDir = mkdtempSync(join(tmpdir(), 'retention-start-'));
      const child = spawnStart(['--users', '100', '--weeks', '2'], stateDir);
      try {
        let stderr = '';
        child.stderr.on('data', (c) => (stderr += c));
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        // Up: the state file holds the endpoints once the emulators run.
        const file = join(stateDir, 'local-cloud.json');
        const state = await waitFor(
          () => {
            if (child.exitCode !== null) throw new Error(`exited before coming up: ${stderr.slice(-2000)}`);
            const running = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunningState) : undefined;
            const s3 = running?.endpoints?.s3;
            return running && s3 ? { pid: running.pid, s3 } : undefined;
          },
          { what: 'the state file with the endpoints', timeoutMs: 150_000, intervalMs: 100 },
        );
        expect(state.pid).toBe(child.pid);
        const second = await runStart(['--once'], stateDir);
        expect(second.code).toBe(1);
        expect(second.stderr).toContain(`already running (pid ${child.pid}`);
        expect(JSON.parse(second.stdout).running.endpoints.s3).toBe(state.s3);

        child.kill('SIGINT');
        expect(await exited).toBe(130);
        expect(stderr).toContain('Local cloud stopped.');
        expect(existsSync(file)).toBe(false);
        await expect(fetch(state.s3)).rejects.toThrow();
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        rmSync(stateDir, { recursive: true, force: true });
      }
    },
  );
});
