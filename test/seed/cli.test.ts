/** `retention seed` end to end: files on disk, exit codes and one-line errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const node = join(root, 'node_modules/.bin/node'); // Node 24, which runs the .ts entry directly

function seed(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node, [join(root, 'bin/retention.ts'), 'seed', ...args], { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seed-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('retention seed', () => {
  it('writes the demo into --out and reports each week', async () => {
    const out = join(dir, 'demo');
    const r = await seed([
      '--out',
      out,
      '--users',
      '300',
      '--weeks',
      '2',
      '--gzip',
      '--iso-weeks',
      '2026-W46',
      '--dirty',
      '0.01',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^week 2026-W46: \d+ active users, \d+ events/m);
    const files = (await readdir(out)).sort();
    expect(files).toEqual(
      [
        'crm_info.data',
        'dirty_expected.json',
        'event_type.meta',
        'industry.meta',
        'nosql_user_profile.data',
        'platform.meta',
        'region.meta',
        'seed.json',
        'social_type.meta',
        'truth_2026-W46.tsv',
        'truth_2026-W47.tsv',
        'user_events_2026-W46.log.gz',
        'user_events_2026-W47.log.gz',
      ].sort(),
    );
    const described = JSON.parse(await readFile(join(out, 'seed.json'), 'utf8'));
    expect(described.options).toMatchObject({
      users: 300,
      companies: 30,
      weeks: 2,
      seed: 1,
      gzip: true,
      isoWeeks: '2026-W46',
      dirty: 0.01,
    });
    expect(gunzipSync(await readFile(join(out, 'user_events_2026-W46.log.gz'))).length).toBeGreaterThan(1000);
  });

  it.each([
    [['--users', '10'], /--out is required/],
    [['--out', 'x', '--users', 'many'], /--users must be a whole number/],
    [['--out', 'x', '--dirty', '1.5'], /--dirty must be between 0 and 0.99/],
    [['--out', 'x', '--iso-weeks', '2026-W60'], /--iso-weeks must be an ISO week/],
    [['--out', 'x', '--iso-weeks', '3'], /--iso-weeks must be an ISO week/],
    [['--out', 'x', '--colour'], /Unknown option '--colour'/],
  ])('rejects %j with exit code 2 and a one-line error', async (args, message) => {
    const r = await seed(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('prints its usage on --help', async () => {
    const r = await seed(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--iso-weeks');
    expect(r.stdout).toContain('--dirty RATE');
  });
});
