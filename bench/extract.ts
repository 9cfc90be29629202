/**
 * Extraction of one big week: `retention extract` vs DuckDB (`@duckdb/node-api`, SET threads=1).
 *
 * Input (generated once, cached in bench/output/extract/): 10M events (--quick: 500k), 100k
 * users, 1k companies, 0.5% malformed lines of several kinds, the CRM and profile tables, and
 * the same week gzipped. Written here rather than by seed/: the demo generator ties events
 * to its behaviour model (~10 a user a week), so 10M events would mean 1M users, and its
 * 64 KiB / invalid UTF-8 lines would make DuckDB's strict query a different job. Every measurement is a whole child process (start-up included):
 * wall time measured here, CPU time and peak RSS from /usr/bin/time. DuckDB runs the same job
 * (aggregate per user, company of the first event, join, write features) twice: its typed
 * read_csv with ignore_errors (what a data engineer would write; it accepts some lines our
 * rules reject), and a strict query that applies our rules on text columns. Outputs are
 * compared: per-user counts must equal the strict query's; differences with the typed one
 * are listed.
 *
 * The file doubles as the DuckDB child: `node bench/extract.ts duckdb <typed|strict> ...`.
 */
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CATEGORIES } from '#core/schema.ts';
import { weekSpan } from '#core/weeks.ts';
import { parseFeaturesTsv, type FeatureRow } from '#core/extraction/index.ts';
import { argvAt, measure, present, random, root, type Measured } from './_shared.ts';

const self = fileURLToPath(import.meta.url);
const WEEK = '0';
const MALFORMED_RATE = 0.005;

interface Sizes {
  events: number;
  users: number;
  companies: number;
}

interface Inputs {
  events: string;
  eventsGz: string;
  crm: string;
  profiles: string;
}

/** One malformed variant of a valid line (fields as strings), cycling through the kinds. */
const BREAKERS: ((f: string[]) => string)[] = [
  (f) => f.slice(0, 6).join('\t'), // field_count
  (f) => [f[0], `x${f[1]}`, ...f.slice(2)].join('\t'), // bad_number
  (f) => [f[0], `-${f[1]}`, ...f.slice(2)].join('\t'), // negative_id
  (f) => [...f.slice(0, 3), 'WINDOWS', ...f.slice(4)].join('\t'), // unknown_platform
  (f) => [...f.slice(0, 5), 'LOGIN', f[6]].join('\t'), // unknown_event_type
  (f) => [...f.slice(0, 4), `${f[4]}.5`, ...f.slice(5)].join('\t'), // bad_timestamp (DuckDB typed rounds it)
  (f) => [...f.slice(0, 4), String(Number(f[4]) - 8 * 86_400), ...f.slice(5)].join('\t'), // outside_week
  (f) => [...f.slice(0, 6), '2'].join('\t'), // bad_first_event
  () => '', // empty_line
];

async function writeLines(path: string, count: number, line: (i: number) => string): Promise<void> {
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  let buffer = '';
  for (let i = 0; i < count; i++) {
    buffer += line(i) + '\n';
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'close');
  renameSync(tmp, path);
}

async function prepareInputs(sizes: Sizes): Promise<Inputs> {
  const dir = join(root, 'bench/output/extract', `${sizes.events}-${sizes.users}-${sizes.companies}`);
  mkdirSync(dir, { recursive: true });
  const inputs: Inputs = {
    events: join(dir, `user_events_week${WEEK}.log`),
    eventsGz: join(dir, `user_events_week${WEEK}.log.gz`),
    crm: join(dir, 'crm_info.data'),
    profiles: join(dir, 'nosql_user_profile.data'),
  };
  const rnd = random(7);
  const pick = <T>(list: readonly T[]) => present(list[Math.floor(rnd() * list.length)], 'a value of an empty list');
  const { start } = weekSpan(WEEK);
  const c = DEFAULT_CATEGORIES;
  if (!existsSync(inputs.crm)) {
    await writeLines(
      inputs.crm,
      sizes.companies,
      (i) => `${i}\t${pick(c.industry)}\t${pick(c.region)}\t${pick(c.social_type)}`,
    );
  }
  if (!existsSync(inputs.profiles)) {
    await writeLines(
      inputs.profiles,
      sizes.users,
      (i) => `${i}\t${rnd() < 0.5 ? 0 : 1}\t${20 + Math.floor(rnd() * 51)}`,
    );
  }
  if (!existsSync(inputs.events)) {
    console.log(`generating ${sizes.events.toLocaleString('en')} events in ${dir} (cached for later runs)…`);
    let broken = 0;
    await writeLines(inputs.events, sizes.events, (i) => {
      const user = Math.floor(rnd() * sizes.users);
      const fields = [
        String(i),
        String(user),
        String(user % sizes.companies),
        pick(c.platform),
        String(start + Math.floor(rnd() * 604_800)),
        pick(c.event_type),
        rnd() < 0.1 ? '1' : '0',
      ];
      return rnd() < MALFORMED_RATE
        ? present(BREAKERS[broken++ % BREAKERS.length], 'a breaker')(fields)
        : fields.join('\t');
    });
  }
  if (!existsSync(inputs.eventsGz)) {
    await pipeline(createReadStream(inputs.events), createGzip(), createWriteStream(`${inputs.eventsGz}.tmp`));
    renameSync(`${inputs.eventsGz}.tmp`, inputs.eventsGz);
  }
  return inputs;
}

const PLATFORM_COLUMNS = ['iphone', 'android', 'pc', 'ipad', 'other'];
const TYPE_COLUMNS = [
  'customize_tpl',
  'download_tpl',
  'share_tpl',
  'inspect',
  'view_report',
  'share_report',
  'cancel_inspection',
];
const sqlList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/** The DuckDB job: the same aggregation, join and features.tsv as `retention extract`. */
function duckdbQuery(mode: 'typed' | 'strict', events: string, crm: string, profiles: string, out: string): string {
  const { start, end } = weekSpan(WEEK);
  const c = DEFAULT_CATEGORIES;
  const csv = (path: string, columns: Record<string, string>) =>
    `read_csv('${path}', delim='\t', header=false, quote='', escape='', ignore_errors=true, auto_detect=false, ` +
    `columns={${Object.entries(columns)
      .map(([k, v]) => `'${k}': '${v}'`)
      .join(', ')}})`;
  const eventColumns = ['anonymous_id', 'user_id', 'company_id', 'platform', 'event_time', 'event_type', 'first_event'];
  const events_ =
    mode === 'typed'
      ? `SELECT user_id, company_id, platform, event_time, event_type FROM ${csv(events, {
          anonymous_id: 'BIGINT',
          user_id: 'BIGINT',
          company_id: 'BIGINT',
          platform: 'VARCHAR',
          event_time: 'BIGINT',
          event_type: 'VARCHAR',
          first_event: 'INTEGER',
        })}
         WHERE user_id >= 0 AND company_id >= 0 AND platform IN (${sqlList(c.platform)})
           AND event_type IN (${sqlList(c.event_type)}) AND first_event IN (0, 1)
           AND event_time >= ${start} AND event_time < ${end}`
      : `SELECT CAST(user_id AS BIGINT) user_id, CAST(company_id AS BIGINT) company_id, platform,
                CAST(event_time AS BIGINT) event_time, event_type
         FROM ${csv(events, Object.fromEntries(eventColumns.map((k) => [k, 'VARCHAR'])))}
         WHERE regexp_full_match(anonymous_id, '[0-9]{1,15}') AND regexp_full_match(user_id, '[0-9]{1,15}')
           AND regexp_full_match(company_id, '[0-9]{1,15}') AND platform IN (${sqlList(c.platform)})
           AND regexp_full_match(event_time, '[0-9]{1,12}') AND event_type IN (${sqlList(c.event_type)})
           AND first_event IN ('0', '1')
           AND CAST(event_time AS BIGINT) >= ${start} AND CAST(event_time AS BIGINT) < ${end}`;
  const counts = [
    ...c.platform.map((p, i) => `count(*) FILTER (WHERE platform = '${p}') AS ${PLATFORM_COLUMNS[i]}`),
    ...c.event_type.map((t, i) => `count(*) FILTER (WHERE event_type = '${t}') AS ${TYPE_COLUMNS[i]}`),
  ].join(', ');
  return `COPY (
    WITH ev AS (${events_}),
    users AS (SELECT user_id, arg_min(company_id, event_time) AS company_id, ${counts} FROM ev GROUP BY user_id),
    crm AS (SELECT * FROM ${csv(crm, { company_id: 'BIGINT', industry: 'VARCHAR', region: 'VARCHAR', social_type: 'VARCHAR' })}),
    prof AS (SELECT * FROM ${csv(profiles, { user_id: 'BIGINT', gender: 'INTEGER', age: 'INTEGER' })})
    SELECT users.user_id, '${WEEK}' AS week, crm.industry, crm.region, crm.social_type,
           ${[...PLATFORM_COLUMNS, ...TYPE_COLUMNS].join(', ')}, prof.gender, prof.age
    FROM users JOIN crm USING (company_id) JOIN prof USING (user_id)
    ORDER BY users.user_id
  ) TO '${out}' (DELIMITER '\t', HEADER true, QUOTE '')`;
}

async function duckdbChild(
  mode: 'typed' | 'strict',
  events: string,
  crm: string,
  profiles: string,
  out: string,
): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await db.connect();
  await connection.run('SET threads=1');
  await connection.run(duckdbQuery(mode, events, crm, profiles, out));
  connection.closeSync();
}

/** Differences between two features tables, by kind. */
function compare(ours: FeatureRow[], theirs: FeatureRow[]): string {
  const byUser = new Map(theirs.map((r) => [r.userId, r]));
  let countDiffs = 0;
  let companyDiffs = 0;
  let onlyOurs = 0;
  const examples: string[] = [];
  for (const row of ours) {
    const other = byUser.get(row.userId);
    byUser.delete(row.userId);
    if (!other) {
      onlyOurs++;
      continue;
    }
    const f = row.features as unknown as Record<string, number | string>;
    const g = other.features as unknown as Record<string, number | string>;
    const countsDiffer = [...PLATFORM_COLUMNS, ...TYPE_COLUMNS].some((k) => f[k] !== g[k]);
    if (countsDiffer) {
      countDiffs++;
      if (examples.length < 2) {
        const differing = [...PLATFORM_COLUMNS, ...TYPE_COLUMNS].filter((k) => f[k] !== g[k]);
        examples.push(`user ${row.userId}: ${differing.map((k) => `${k} ${f[k]} vs ${g[k]}`).join(', ')}`);
      }
    }
    if (['industry', 'region', 'social_type', 'gender', 'age'].some((k) => f[k] !== g[k])) companyDiffs++;
  }
  const onlyTheirs = byUser.size;
  if (countDiffs + companyDiffs + onlyOurs + onlyTheirs === 0) return `identical (${ours.length} users)`;
  return (
    `${countDiffs} users with other counts, ${companyDiffs} with other CRM/profile values (first-event ties), ` +
    `${onlyOurs} only in ours, ${onlyTheirs} only in DuckDB's` +
    (examples.length ? `; e.g. ${examples.join('; ')}` : '')
  );
}

export async function run(opts: { quick: boolean }): Promise<void> {
  const sizes: Sizes = opts.quick
    ? { events: 500_000, users: 20_000, companies: 1000 }
    : { events: 10_000_000, users: 100_000, companies: 1000 };
  const inputs = await prepareInputs(sizes);
  const outDir = join(root, 'bench/output/extract/runs');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const tables = ['--crm', inputs.crm, '--profiles', inputs.profiles];
  const ours = (events: string, name: string) => [
    'bin/retention.ts',
    'extract',
    '--events',
    events,
    ...tables,
    '--base-week',
    '2017-W19', // the generated week's calendar: its outside_week lines are rejected, as DuckDB's strict query does
    '--out',
    join(outDir, name),
  ];
  const duck = (mode: string, events: string, name: string) => [
    self,
    'duckdb',
    mode,
    events,
    inputs.crm,
    inputs.profiles,
    join(outDir, `${name}.tsv`),
  ];

  const jobs: [string, string[], string][] = [
    ['retention extract, plain', ours(inputs.events, 'ours-plain'), join(outDir, 'ours-plain/features.tsv')],
    ['DuckDB typed, plain', duck('typed', inputs.events, 'duck-typed-plain'), join(outDir, 'duck-typed-plain.tsv')],
    ['DuckDB strict, plain', duck('strict', inputs.events, 'duck-strict-plain'), join(outDir, 'duck-strict-plain.tsv')],
    ['retention extract, gzip', ours(inputs.eventsGz, 'ours-gz'), join(outDir, 'ours-gz/features.tsv')],
    ['DuckDB typed, gzip', duck('typed', inputs.eventsGz, 'duck-typed-gz'), join(outDir, 'duck-typed-gz.tsv')],
  ];
  // Best of two on a shared machine (the lower wall time; its CPU and RSS with it), jobs interleaved.
  const repeats = opts.quick ? 1 : 2;
  const results = new Map<string, Measured>();
  for (let r = 0; r < repeats; r++) {
    for (const [name, args] of jobs) {
      const m = await measure(args);
      const best = results.get(name);
      if (!best || m.wallSeconds < best.wallSeconds) results.set(name, m);
    }
  }

  const mib = (path: string) => (statSync(path).size / 2 ** 20).toFixed(0);
  console.log(
    `${sizes.events.toLocaleString('en')} events (${mib(inputs.events)} MiB plain, ${mib(inputs.eventsGz)} MiB gzip), ` +
      `${sizes.users.toLocaleString('en')} users, ${sizes.companies} companies, ${MALFORMED_RATE * 100}% malformed; ` +
      `one child process per run, best of ${repeats}; DuckDB with SET threads=1. Ours parses on one thread; the sha256 of the ` +
      "event file runs in a worker and gunzip on libuv's pool, hence CPU > wall. On a shared machine wall > CPU " +
      'means the run waited for a core: compare CPU then.',
  );
  console.log('');
  console.log('| job | wall s | CPU s | events/s (wall) | peak RSS MB | wall vs DuckDB typed | CPU vs DuckDB typed |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const result = (name: string) => present(results.get(name), `the result of "${name}"`);
  const reference = (name: string) => result(name.includes('gzip') ? 'DuckDB typed, gzip' : 'DuckDB typed, plain');
  for (const [name] of jobs) {
    const m = result(name);
    console.log(
      `| ${name} | ${m.wallSeconds.toFixed(2)} | ${m.cpuSeconds.toFixed(2)} | ` +
        `${Math.round(sizes.events / m.wallSeconds).toLocaleString('en')} | ${m.peakRssMb} | ` +
        `${(m.wallSeconds / reference(name).wallSeconds).toFixed(2)}× | ${(m.cpuSeconds / reference(name).cpuSeconds).toFixed(2)}× |`,
    );
  }
  console.log('');
  const goal = (name: string, max: number) => {
    const ratio = result(name).wallSeconds / reference(name).wallSeconds;
    const cpu = result(name).cpuSeconds / reference(name).cpuSeconds;
    return (
      `${name}: wall ${ratio.toFixed(2)}× DuckDB typed (goal ≤ ${max}×) ${ratio <= max ? 'met' : 'NOT met'}; ` +
      `CPU ${cpu.toFixed(2)}× (ours includes the sha256 worker and gunzip threads)`
    );
  };
  console.log(goal('retention extract, plain', 0.4));
  console.log(goal('retention extract, gzip', 0.75));
  const peak = Math.max(result('retention extract, plain').peakRssMb, result('retention extract, gzip').peakRssMb);
  console.log(`our peak RSS ${peak} MB (goal ≤ 256 MB) ${peak <= 256 ? 'met' : 'NOT met'}`);

  const read = (name: string) =>
    parseFeaturesTsv(readFileSync(present(jobs.find(([n]) => n === name)?.[2], `the output of "${name}"`), 'utf8'));
  const oursPlain = read('retention extract, plain');
  const duckTyped = read('DuckDB typed, plain');
  console.log('');
  console.log(`ours gzip vs ours plain: ${compare(read('retention extract, gzip'), oursPlain)}`);
  console.log(`ours vs DuckDB strict:   ${compare(oursPlain, read('DuckDB strict, plain'))}`);
  console.log(`ours vs DuckDB typed:    ${compare(oursPlain, duckTyped)}`);
  console.log(`DuckDB typed gzip vs plain: ${compare(read('DuckDB typed, gzip'), duckTyped)}`);
  console.log('');
  console.log(
    'ours, plain, as printed:\n' + result('retention extract, plain').stdout.trimEnd().replace(/^/gm, '    '),
  );
}

if (process.argv[1] === self && process.argv[2] === 'duckdb') {
  await duckdbChild(argvAt(3) as 'typed' | 'strict', argvAt(4), argvAt(5), argvAt(6), argvAt(7));
} else if (process.argv[1] === self) {
  await run({ quick: process.argv.includes('--quick') });
}
