/** `retention extract` end to end: files in, files out, exit codes and one-line errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFeaturesTsv, parseManifest, parseRejects } from '#core/extraction/index.ts';
import { weekSpan } from '#core/weeks.ts';
import { directorySink, generateDemoData } from '#seed/index.ts';
import { defined } from '#test/support/defined.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const node = join(root, 'node_modules/.bin/node'); // Node 24, which runs the .ts entry directly

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node, [join(root, 'bin/retention.ts'), 'extract', ...args], { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
const { start } = weekSpan('2');
const events =
  [
    `1\t10\t1\tPC\t${start + 100}\tINSPECT\t1`,
    `2\t10\t1\tIPAD\t${start + 200}\tVIEW_REPORT\t0`,
    `3\t11\t2\tANDROID\t${start + 50}\tSHARE_TPL\t1`,
    `4\t12\t9\tPC\t${start + 10}\tINSPECT\t1`, // company 9: not in the CRM table
    `5\t13\t1\tPC\t${start - 10}\tINSPECT\t1`, // outside week 2
    `6\t14\t1\tWINDOWS\t${start + 10}\tINSPECT\t1`,
  ].join('\r\n') + '\r\n';
const crm = '1\tBANK\tUS-CA\tGOOGLE\n2\tHEALTH\tAU-WA\tTWITTER\n3\tFARM\tAU-WA\tTWITTER\n';
const profiles = '10\t1\t34\n11\t0\tforty\n11\t0\t45\n12\t1\t50\n';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'extract-cli-'));
  await writeFile(join(dir, 'user_events_week2.log'), events);
  await writeFile(join(dir, 'user_events_week2.log.gz'), gzipSync(events));
  await writeFile(join(dir, 'crm_info.data'), crm);
  await writeFile(join(dir, 'nosql_user_profile.data'), profiles);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The tables, and the calendar the events above were placed in (so the one outside week 2 is found). */
const inputs = () => [
  '--crm',
  join(dir, 'crm_info.data'),
  '--profiles',
  join(dir, 'nosql_user_profile.data'),
  '--base-week',
  '2017-W19',
];

describe('retention extract', () => {
  it('extracts a week, prints a summary and writes the four files', async () => {
    const out = join(dir, 'out-plain');
    const r = await cli(['--events', join(dir, 'user_events_week2.log'), ...inputs(), '--out', out]);
    // A third of the lines rejected: dirty, extracted with a one-line warning.
    expect(r.stderr).toBe(
      `retention extract: warning: ${join(dir, 'user_events_week2.log')}: 2 of 6 lines rejected ` +
        '(33.3 %: unknown_platform 1, outside_week 1); platform names are not in the category lists: give your own lists (meta files)\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('week 2: 6 lines, 4 accepted, 2 rejected (unknown_platform 1, outside_week 1)');
    expect(r.stdout).toContain('users 3, joined 2, unmatched crm 1, profile 0');
    const features = parseFeaturesTsv(await readFile(join(out, 'features.tsv'), 'utf8'));
    expect(
      features.map((f) => [f.userId, f.features.industry, f.features.pc, f.features.ipad, f.features.age]),
    ).toEqual([
      [10, 'BANK', 1, 1, 34],
      [11, 'HEALTH', 0, 0, 45],
    ]);
    expect(await readFile(join(out, 'active_users.txt'), 'utf8')).toBe('10\n11\n12\n');
    const manifest = parseManifest(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.tables.crm.rejected).toEqual({ unknown_category: 1 });
    expect(manifest.tables.profiles.rejected).toEqual({ bad_number: 1 });
    expect(manifest.sources.map((s) => s.kind)).toEqual(['events', 'crm', 'profiles']);
    expect(defined(manifest.sources[0], 'the first source').bytes).toBe(Buffer.byteLength(events));
    const rejects = parseRejects(await readFile(join(out, 'rejects.jsonl'), 'utf8'));
    expect(rejects.map((x) => [x.line, x.reason])).toEqual([
      [5, 'outside_week'],
      [6, 'unknown_platform'],
      [3, 'unknown_category'],
      [2, 'bad_number'],
    ]);
  });

  it('reads gzip input, writes gzip output, and gives the same features', async () => {
    const out = join(dir, 'out-gz');
    const r = await cli([
      '--events',
      join(dir, 'user_events_week2.log.gz'),
      ...inputs(),
      '--out',
      out,
      '--gzip-output',
    ]);
    expect(r.code).toBe(0);
    const plain = await readFile(join(dir, 'out-plain', 'features.tsv'), 'utf8');
    expect(gunzipSync(await readFile(join(out, 'features.tsv.gz'))).toString()).toBe(plain);
    expect(
      gunzipSync(await readFile(join(out, 'rejects.jsonl.gz')))
        .toString()
        .split('\n').length,
    ).toBe(5);
  });

  it('fails with exit 1 and one line naming the file on a truncated gzip file', async () => {
    const truncated = join(dir, 'user_events_week2.log.gz');
    const whole = await readFile(truncated);
    const cut = join(dir, 'cut', 'user_events_week2.log.gz');
    await mkdir(join(dir, 'cut'), { recursive: true });
    await writeFile(cut, whole.subarray(0, whole.length - 12));
    const r = await cli(['--events', cut, ...inputs(), '--out', join(dir, 'out-cut')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`retention extract: ${cut}: not a valid gzip stream (unexpected end of file)`);
  });

  it('takes category lists from --meta and refuses a platform list of the wrong length (exit 1)', async () => {
    const meta = join(dir, 'meta');
    await mkdir(meta, { recursive: true });
    await writeFile(join(meta, 'industry.meta'), 'BANK\nHEALTH\nFARM\n');
    const ok = await cli([
      '--events',
      join(dir, 'user_events_week2.log'),
      ...inputs(),
      '--out',
      join(dir, 'out-meta'),
      '--meta',
      meta,
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('crm: 3 lines, 3 rows kept, 0 rejected');
    await writeFile(join(meta, 'platform.meta'), 'PC\nIPAD\nANDROID\nIPHONE\n');
    const bad = await cli([
      '--events',
      join(dir, 'user_events_week2.log'),
      ...inputs(),
      '--out',
      join(dir, 'out-bad'),
      '--meta',
      meta,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/platform\.meta has 4 values but the model has 5/);
  });

  it("extracts the generator's dirty gzip week with its .meta lists as dirty_expected.json says", async () => {
    const seedDir = join(dir, 'seed');
    // Below the 5 % warning share: this checks the counts, the warning has its own test.
    await generateDemoData({ users: 300, weeks: 1, dirty: 0.04, seed: 5, gzip: true }, directorySink(seedDir));
    const out = join(dir, 'out-seed');
    const r = await cli([
      '--events',
      join(seedDir, 'user_events_week0.log.gz'),
      '--crm',
      join(seedDir, 'crm_info.data'),
      '--profiles',
      join(seedDir, 'nosql_user_profile.data'),
      '--meta',
      seedDir,
      '--base-week',
      '2017-W19', // the demo's calendar, so its outside_week lines are found
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = JSON.parse(await readFile(join(seedDir, 'dirty_expected.json'), 'utf8')).files;
    const manifest = parseManifest(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect([manifest.accepted, manifest.rejected]).toEqual([
      expected['user_events_week0.log.gz'].valid,
      expected['user_events_week0.log.gz'].rejected,
    ]);
    expect([manifest.tables.crm.accepted, manifest.tables.crm.rejected]).toEqual([
      expected['crm_info.data'].valid,
      expected['crm_info.data'].rejected,
    ]);
    expect(manifest.tables.profiles.rejected).toEqual(expected['nosql_user_profile.data'].rejected);
    expect(manifest.sources.filter((s) => s.kind === 'meta')).toHaveLength(5);
  });

  it('gives a one-line error and exit 2 for wrong arguments and missing files', async () => {
    const cases: [string[], RegExp][] = [
      [['--events', join(dir, 'nope.log'), ...inputs(), '--out', dir, '--week', '2'], /nope\.log: no such file/],
      [['--events', join(dir, 'user_events_week2.log'), '--profiles', 'p', '--out', dir], /--crm is required/],
      [[...inputs(), '--out', dir], /--events is required/],
      [['--events', join(dir, 'crm_info.data'), ...inputs(), '--out', dir], /cannot tell the week/],
      [['--events', join(dir, 'user_events_week2.log'), ...inputs(), '--out', dir, '--week', 'W2'], /--week must be/],
      [
        ['--events', join(dir, 'user_events_week2.log'), join(dir, 'user_events_week3.log'), ...inputs(), '--out', dir],
        /different weeks/,
      ],
      [['--bogus'], /bogus/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = defined(results[i], `the result of case ${i}`);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
