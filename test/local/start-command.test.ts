/**
 * `retention start` as a user runs it: a child process, its exit code, its JSON summary.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

function runStart(args: string[], stateDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/retention.ts', 'start', ...args], {
      cwd: projectRoot,
      env: { ...process.env, RETENTION_STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('retention start', () => {
  it('says a local cloud is already running, instead of failing on a busy port', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'retention-start-'));
    try {
      // This test process plays the running instance: a live pid holding the state file.
      const running = { formatVersion: 1, pid: process.pid, startedAt: new Date().toISOString(), region: 'us-east-1', endpoints: { s3: 'http://127.0.0.1:1' }, resources: {}, outputs: {} };
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
});
