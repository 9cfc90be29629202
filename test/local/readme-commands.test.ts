/**
 * The README as a user follows it: `npm start` runs (a child process, as a user starts it),
 * then every command of the README's command table runs exactly as written there, in its
 * order, in one folder; then the "Subscribe to predictions" instructions read the user's
 * queue, which still holds results since nothing of ours consumes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defined } from '#test/support/defined.ts';
import { parseResultsMessage } from '#core/prediction/result.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');

/** The section of the README under `heading`, up to the next heading of the same or a higher level. */
function section(heading: string): string {
  const start = readme.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}"`);
  const level = heading.indexOf(' ');
  const rest = readme.slice(start + heading.length);
  const next = rest.search(new RegExp(`\\n#{1,${level}} `));
  return next < 0 ? rest : rest.slice(0, next);
}

/** Each first-column command of the command table, as written. */
const commands = [...section('## The command line').matchAll(/^\| `(retention [^`]+)` +\|/gm)].map((m) =>
  defined(m[1], 'a command'),
);
const subscribeBlock = defined(
  /```sh\n([\s\S]*?)```/.exec(section('### Subscribe to predictions'))?.[1],
  'the shell block of "Subscribe to predictions"',
);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((resolve) =>
    execFile(command, args, { ...options, timeout: 300_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('the README, followed while npm start runs', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'retention-readme-'));
  // The README's instructions read .retention/local-cloud.json from the folder they run in.
  const env = { ...process.env, RETENTION_STATE_DIR: join(workDir, '.retention'), RETENTION_DASHBOARD_PORT: '0' };
  let start: ChildProcess;
  let startOutput = '';

  beforeAll(async () => {
    start = spawn(process.execPath, ['--import', 'tsx', 'bin/retention.ts', 'start', '--users', '300'], {
      cwd: projectRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        startOutput += chunk.toString();
        if (startOutput.includes('The pipeline ran.')) resolve();
        if (startOutput.includes('A stage failed')) reject(new Error(`npm start failed:\n${startOutput}`));
      };
      start.stdout?.on('data', onData);
      start.stderr?.on('data', onData);
      start.on('close', (code) => reject(new Error(`npm start exited (${code}) early:\n${startOutput}`)));
    });
  }, 480_000);

  afterAll(async () => {
    if (start && start.exitCode === null) {
      const closed = new Promise((resolve) => start.once('close', resolve));
      start.kill('SIGINT');
      await closed;
    }
    rmSync(workDir, { recursive: true, force: true });
  }, 60_000);

  it('lists the commands a user can run, one line each, without shell quoting', () => {
    expect(commands.length).toBeGreaterThanOrEqual(8);
    for (const command of commands) expect(command).not.toMatch(/["'$|;&<>]/);
  });

  it('runs every command of the table as written, in order', async () => {
    const outcomes: { command: string; ran: Ran }[] = [];
    for (const command of commands) {
      const args = command.split(/\s+/).slice(1);
      const ran = await run(process.execPath, [join(projectRoot, 'bin/retention.mjs'), ...args], { cwd: workDir, env });
      outcomes.push({ command, ran });
      const said = `${command}\n${ran.stderr}`;
      if (args[0] === 'start') {
        // The table's last line starts a second local cloud: it must say one already runs.
        expect(ran.stderr, said).toContain('already running');
        expect(ran.code, said).toBe(1);
        continue;
      }
      expect(ran.code, said).toBe(0);
      // Whole messages (up to 100 results each): at least the 20 asked for, each line a result.
      if (args[0] === 'results') {
        const lines = ran.stdout.trim().split('\n');
        expect(lines.length, said).toBeGreaterThanOrEqual(20);
        expect(lines.length, said).toBeLessThan(20 + 100);
      }
      if (args[0] === 'feed') expect(ran.stderr, said).toMatch(/feeding \d+ users of week 1 to \S+ on the local cloud/);
    }
    expect(outcomes.map((o) => o.command)).toEqual(commands);
  }, 900_000);

  it("reads the user's own results queue with the README's subscribe instructions (AWS CLI and jq)", async (context) => {
    const tools = await run('sh', ['-c', 'command -v aws && command -v jq'], { cwd: workDir, env });
    if (tools.code !== 0) {
      context.skip('the AWS CLI or jq is not installed here; the query-protocol read below covers the queue');
      return;
    }
    const ran = await run('sh', ['-c', subscribeBlock], { cwd: workDir, env });
    expect(ran.code, ran.stderr).toBe(0);
    const messages = (JSON.parse(ran.stdout) as { Messages: { Body: string }[] }).Messages;
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages)
      expect(parseResultsMessage(m.Body)).toContainEqual(expect.objectContaining({ resultId: expect.any(String) }));
  }, 120_000);

  it("serves the user's queue to a query-protocol client (what Debian's boto3 1.26 sends)", async () => {
    const state = JSON.parse(readFileSync(join(workDir, '.retention', 'local-cloud.json'), 'utf8')) as {
      endpoints: { sqs: string };
      outputs: Record<string, string>;
    };
    const response = await fetch(`${state.endpoints.sqs}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        Action: 'ReceiveMessage',
        QueueUrl: defined(state.outputs.PredictionResultsQueueUrl, 'the PredictionResultsQueueUrl output'),
        MaxNumberOfMessages: '10',
        WaitTimeSeconds: '5',
      }).toString(),
    });
    const xml = await response.text();
    expect(response.status, xml).toBe(200);
    expect(xml).toMatch(
      /<Body>\{&#34;formatVersion&#34;:1,&#34;results&#34;:\[\{&#34;resultId&#34;:&#34;[0-9a-f]{32}&#34;/,
    );
  }, 60_000);
});
