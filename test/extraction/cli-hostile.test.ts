/**
 * `retention extract` on the inputs real users send by mistake, run as a child process (its
 * peak memory read by /usr/bin/time): a week of this year's events named week 0, the same
 * file twice, gzips of newlines, a corrupt gzip, and a failed run into a folder that holds a
 * good one. Each ends with one line that says what was wrong and where, and bounded memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifest, parseRejects } from '#core/extraction/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const node = join(root, 'node_modules/.bin/node');
/** The bound on every hostile input. */
const MAX_RSS_MB = 256;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident memory of the extraction, MB. */
  readonly rssMb: number;
}

let dir: string;
let runs = 0;

function cli(args: string[]): Promise<Run> {
  const rssFile = join(dir, `rss-${runs++}.txt`);
  const command = [node, join(root, 'bin/retention.ts'), 'extract', ...args];
  return new Promise((resolve) => {
    execFile('/usr/bin/time', ['-f', '%M', '-o', rssFile, ...command], { cwd: root }, (error, stdout, stderr) => {
      void readFile(rssFile, 'utf8').then((kb) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr, rssMb: Number(kb.trim().split('\n').at(-1)) / 1024 });
      });
    });
  });
}

/** 2026-11-30, ISO week 2026-W49: this year, far from the demo's 2017 calendar. */
const THIS_YEAR = Date.UTC(2026, 10, 30) / 1000;
const events = Array.from({ length: 200 }, (_, i) => `${i}\t${i % 20}\t1\tPC\t${THIS_YEAR + i}\tINSPECT\t1`).join('\n');
const tables = () => ['--crm', join(dir, 'crm_info.data'), '--profiles', join(dir, 'nosql_user_profile.data')];
const oneLine = (text: string) => expect(text.trim().split('\n')).toHaveLength(1);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'extract-hostile-'));
  await writeFile(join(dir, 'user_events_week0.log'), events + '\n');
  await copyFile(join(dir, 'user_events_week0.log'), join(dir, 'user_events_week0.copy.log'));
  await writeFile(join(dir, 'crm_info.data'), '1\tBANK\tUS-CA\tGOOGLE\n');
  await writeFile(join(dir, 'nosql_user_profile.data'), '1\t0\t30\n2\t1\t40\n');
  await writeFile(join(dir, 'user_events_week1.log'), gzipSync(Buffer.alloc(1 << 20, '\n'))); // ~1 KB
  // 4 MiB of gzip, 4 GiB of newlines: one 64 MiB member repeated (gunzip reads members on).
  const member = gzipSync(Buffer.alloc(64 << 20, '\n'), { level: 9 });
  const copies = Math.ceil((4 << 20) / member.length);
  await writeFile(join(dir, 'user_events_week2.log.gz'), Buffer.concat(Array.from({ length: copies }, () => member)));
  const corrupt = gzipSync(events);
  await writeFile(join(dir, 'user_events_week3.log.gz'), corrupt.subarray(0, corrupt.length - 30));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('retention extract on hostile input', () => {
  it("accepts this year's events in user_events_week0.log without a base week, and fails with a base week they miss", async () => {
    const week0 = join(dir, 'user_events_week0.log');
    const free = await cli(['--events', week0, ...tables(), '--out', join(dir, 'no-calendar')]);
    expect([free.code, free.stderr]).toEqual([0, '']);
    expect(free.stdout).toContain('week 0: 200 lines, 200 accepted, 0 rejected');
    const pinned = await cli(['--events', week0, ...tables(), '--base-week', '2017-W19', '--out', join(dir, 'pinned')]);
    expect(pinned.code).toBe(1);
    oneLine(pinned.stderr);
    expect(pinned.stderr).toMatch(/user_events_week0\.log: 200 of 200 lines rejected \(100 %: outside_week 200\)/);
    expect(pinned.stderr).toContain('give the right base week');
    expect(pinned.stderr).toContain(`rejects and manifest are in ${join(dir, 'pinned')}.failed`);
  });

  it('refuses the same events given twice under two names, naming both', async () => {
    const r = await cli([
      '--events',
      join(dir, 'user_events_week0.log'),
      join(dir, 'user_events_week0.copy.log'),
      ...tables(),
      '--out',
      join(dir, 'twice'),
    ]);
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/user_events_week0\.copy\.log has the same content as .*user_events_week0\.log/);
    expect(await readdir(dir)).not.toContain('twice');
  });

  it('counts the million empty lines of a 1 KB gzip named .log, keeps a thousand, and fails the week', async () => {
    const out = join(dir, 'newlines');
    const r = await cli(['--events', join(dir, 'user_events_week1.log'), ...tables(), '--out', out]);
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(
      /user_events_week1\.log: 1048576 of 1048576 lines rejected .*empty_line 1048576.*nothing accepted/,
    );
    const failed = `${out}.failed`;
    const manifest = parseManifest(await readFile(join(failed, 'manifest.json'), 'utf8'));
    expect(manifest.rejectsKept).toEqual({ perReason: 1000, notKept: { empty_line: 1047576 } });
    expect(parseRejects(await readFile(join(failed, 'rejects.jsonl'), 'utf8'))).toHaveLength(1000);
    expect(r.rssMb).toBeLessThanOrEqual(MAX_RSS_MB);
  });

  it('refuses a 4 MiB gzip of newlines by its ratio, naming the file, in bounded memory', async () => {
    const r = await cli(['--events', join(dir, 'user_events_week2.log.gz'), ...tables(), '--out', join(dir, 'bomb')]);
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/user_events_week2\.log\.gz: gunzips to more than 100 times its size/);
    expect(r.rssMb).toBeLessThanOrEqual(MAX_RSS_MB);
    expect((await readdir(dir)).filter((name) => name.includes('bomb'))).toEqual([]);
  }, 60_000);

  it('leaves an earlier good output as it was when a later run fails or breaks, and leaves no staging folder', async () => {
    const out = join(dir, 'kept');
    const good = await cli(['--events', join(dir, 'user_events_week0.log'), ...tables(), '--out', out]);
    expect(good.code).toBe(0);
    const before = await Promise.all(['manifest.json', 'rejects.jsonl'].map((f) => readFile(join(out, f), 'utf8')));
    const failed = await cli(['--events', join(dir, 'user_events_week1.log'), ...tables(), '--out', out]);
    expect(failed.code).toBe(1);
    const broken = await cli(['--events', join(dir, 'user_events_week3.log.gz'), ...tables(), '--out', out]);
    expect(broken.code).toBe(1);
    oneLine(broken.stderr);
    expect(broken.stderr).toContain(`${join(dir, 'user_events_week3.log.gz')}: not a valid gzip stream`);
    const after = await Promise.all(['manifest.json', 'rejects.jsonl'].map((f) => readFile(join(out, f), 'utf8')));
    expect(after).toEqual(before);
    expect(parseManifest(await readFile(join(`${out}.failed`, 'manifest.json'), 'utf8')).verdict.status).toBe('failed');
    expect((await readdir(dir)).filter((name) => name.includes('staging'))).toEqual([]);
  });

  it('refuses to replace a folder that holds other files', async () => {
    const r = await cli(['--events', join(dir, 'user_events_week0.log'), ...tables(), '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds other files than an extraction's/);
  });
});
