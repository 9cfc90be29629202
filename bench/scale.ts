/**
 * A week of N users end to end through the local cloud, every Lambda held to its memory
 * setting (lambda-runtime.ts: heap cap, and heap + buffers sampled during the invocation):
 * `npm run bench -- scale [--users N] [--parts P]` (default 200,000 users; --quick 20,000).
 *
 * Seeds two weeks (week 1 labels week 0), each as P gzip part files plus _SUCCESS, uploads
 * the tables then the parts to the emulated data bucket; the bucket notifications extract
 * every part, the completed weeks start the training state machine (the stack's own
 * StartTraining, default grid), which runs Prepare → Map(Train, shards when a forest is too
 * big for one task) → Evaluate → Publish. Prints per step the time, the peak memory, the
 * Lambda's memory and timeout and the headroom (limit ÷ measured), and the load average;
 * and a line per invocation as it ends. The 10M-user week (docs/cost.md):
 * `--users 10000000 --parts 10`, ~70 min on a loaded 2-core machine, ~8.5 GB RSS.
 * Then Prepare's core on the same extracted parts, streamed (now) and whole (before).
 *
 * `--prepare-only`: just that last comparison, on synthetic features of N users in P parts
 * (one part file per million users by default): Prepare's memory at 10M users without
 * seeding and extracting 200M events.
 */
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Upload } from '@aws-sdk/lib-storage';
import { startLocalCloud, type Activity, type LocalCloud } from '#infra/local/cloud.ts';
import { dataBucket } from '#infra/local/stages/resources.ts';
import { TrainingStore } from '#aws/training/store.ts';
import { listKeys } from '#infra/local/stages/s3-read.ts';
import { directorySink, generateDemoData, type SeedResult } from '#seed/index.ts';
import { FEATURES, featureCategories } from '#core/schema.ts';
import { FEATURES_TSV_HEADER } from '#core/extraction/files.ts';
import type { BenchOptions } from './run.ts';
import { measure } from './_shared.ts';

const MiB = 2 ** 20;
const WHOLE_REFERENCE_MAX_USERS = 3_000_000;

type Invocation = Extract<Activity, { kind: 'invoke' }> & { endedAt: number };

/** `--name N` from this process's arguments (npm run bench -- scale --users 1000000). */
function numberArg(name: string): number | undefined {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = Number(process.argv[at + 1]);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`bench scale: --${name} needs a whole number ≥ 1`);
  return value;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Where a seeded file goes in the data bucket (undefined: not an input). */
function rawKey(name: string): string | undefined {
  if (name.endsWith('.meta')) return `raw/meta/${name}`;
  if (name === 'crm_info.data') return `raw/crm/${name}`;
  if (name === 'nosql_user_profile.data') return `raw/profiles/${name}`;
  if (name.startsWith('week=')) return `raw/events/${name}`;
  return undefined;
}

async function upload(cloud: LocalCloud, bucket: string, key: string, path: string): Promise<void> {
  // fauxqs takes request bodies up to 11 MiB.
  await new Upload({
    client: cloud.clients.s3,
    params: { Bucket: bucket, Key: key, Body: createReadStream(path) },
    partSize: 8 * MiB,
    queueSize: 2,
  }).done();
}

interface StepRow {
  step: string;
  invocations: number;
  /** Longest single invocation. */
  maxMs: number;
  totalMs: number;
  peakBytes: number;
  memoryMb?: number;
  timeoutSeconds?: number;
  failed: number;
}

function stepRow(cloud: LocalCloud, step: string, logicalId: string | undefined, all: Invocation[]): StepRow {
  const mine = all.filter((i) => i.function === logicalId);
  const spec = cloud.template.functions.find((f) => f.logicalId === logicalId);
  return {
    step,
    invocations: mine.length,
    maxMs: Math.max(0, ...mine.map((i) => i.durationMs)),
    totalMs: mine.reduce((sum, i) => sum + i.durationMs, 0),
    peakBytes: Math.max(0, ...mine.map((i) => i.peakMemoryBytes)),
    memoryMb: spec?.memoryMb,
    timeoutSeconds: spec?.timeoutSeconds,
    failed: mine.filter((i) => !i.ok).length,
  };
}

function printTable(rows: StepRow[], extra: { step: string; ms: number; note: string }[]): void {
  const header =
    '| step | invocations | longest | all invocations | peak MB (heap + buffers) | Lambda memory MB | timeout s | memory headroom | time headroom | failed |';
  console.log(header);
  console.log('|' + ' --- |'.repeat(10));
  for (const e of extra) console.log(`| ${e.step} | | ${seconds(e.ms)} | | ${e.note} | | | | | |`);
  for (const r of rows) {
    const peakMb = r.peakBytes / MiB;
    const memory = r.memoryMb ? `${(r.memoryMb / peakMb).toFixed(1)}×` : 'n/a';
    const time = r.timeoutSeconds ? `${((r.timeoutSeconds * 1000) / r.maxMs).toFixed(0)}×` : 'n/a';
    console.log(
      `| ${r.step} | ${r.invocations} | ${seconds(r.maxMs)} | ${seconds(r.totalMs)} | ${peakMb.toFixed(0)} | ` +
        `${r.memoryMb ?? '?'} | ${r.timeoutSeconds ?? '?'} | ${memory} | ${time} | ${r.failed} |`,
    );
  }
}

async function seedWeeks(dir: string, users: number, parts: number): Promise<{ seed: SeedResult; ms: number }> {
  const started = performance.now();
  const seed = await generateDemoData({ users, weeks: 2, parts, gzip: true, seed: 1 }, directorySink(dir));
  return { seed, ms: performance.now() - started };
}

export async function run(opts: BenchOptions): Promise<void> {
  const users = numberArg('users') ?? (opts.quick ? 20_000 : 200_000);
  const parts = numberArg('parts') ?? Math.max(2, Math.ceil(users / 1_000_000));
  const work = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  if (process.argv.includes('--prepare-only')) {
    try {
      const files = await syntheticParts(join(work, 'parts'), users, parts);
      await comparePrepare(files, join(work, 'prepare'), users);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return;
  }
  const demo = join(work, 'demo');
  console.log(`${users.toLocaleString('en')} users, 2 weeks in ${parts} gzip parts each; load average ${load()}`);
  try {
    const { seed, ms: seedMs } = await seedWeeks(demo, users, parts);
    const seedRssMb = process.resourceUsage().maxRSS / 1024;
    const files = seed.files.flatMap((f) => {
      const key = rawKey(f.name);
      return key ? [{ key, path: join(demo, f.name), lines: f.lines }] : [];
    });
    const eventBytes = files
      .filter((f) => f.key.startsWith('raw/events/'))
      .reduce((n, f) => n + statSync(f.path).size, 0);
    const events = seed.weeks.reduce((n, w) => n + w.events, 0);
    console.log(
      `seeded ${events.toLocaleString('en')} events (${(eventBytes / MiB).toFixed(0)} MiB gzip; ` +
        `${seed.weeks.map((w) => `week ${w.week}: ${w.activeUsers.toLocaleString('en')} active`).join(', ')}) in ${seconds(seedMs)}; load ${load()}`,
    );

    const invocations: Invocation[] = [];
    const cloud = await startLocalCloud({
      stateDir: process.env.RETENTION_STATE_DIR ?? join(work, 'state'),
      onActivity: (a) => {
        if (a.kind !== 'invoke') return;
        invocations.push({ ...a, endedAt: performance.now() });
        // A 10M run takes an hour: each invocation as it ends, so a run cut short still tells how far it got.
        console.log(
          `${new Date().toISOString().slice(11, 19)} ${a.function}: ${a.ok ? 'ok' : `failed (${a.error})`} in ` +
            `${seconds(a.durationMs)}, peak ${(a.peakMemoryBytes / MiB).toFixed(0)} MB; load ${load()}`,
        );
      },
    });
    try {
      const bucket = dataBucket(cloud).name;
      const tables = files.filter((f) => !f.key.startsWith('raw/events/'));
      for (const f of tables) await upload(cloud, bucket, f.key, f.path);
      await cloud.idle();
      const uploadStarted = performance.now();
      // Each week's parts, then its _SUCCESS (seed.files lists it after them).
      for (const f of files.filter((f) => f.key.startsWith('raw/events/'))) await upload(cloud, bucket, f.key, f.path);
      const uploadMs = performance.now() - uploadStarted;
      console.log(`uploaded ${(eventBytes / MiB).toFixed(0)} MiB of events in ${seconds(uploadMs)}; load ${load()}`);
      await cloud.idle();
      await cloud.stepFunctions.idle();
      await cloud.idle();
      const wallMs = performance.now() - uploadStarted;
      await report(cloud, bucket, invocations, { seedMs, seedRssMb, uploadMs, wallMs, eventBytes });
      await prepareReference(cloud, bucket, join(work, 'prepare'), users);
    } finally {
      await cloud.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function report(
  cloud: LocalCloud,
  bucket: string,
  invocations: Invocation[],
  m: { seedMs: number; seedRssMb: number; uploadMs: number; wallMs: number; eventBytes: number },
): Promise<void> {
  const extractId = cloud.template.notifications.find(
    (r) => r.kind === 'lambda' && r.prefix.startsWith('raw/events'),
  )?.targetLogicalId;
  const training = (name: string) =>
    cloud.template.functions.find((f) => new RegExp(`^Training${name}Function`).test(f.logicalId))?.logicalId;
  const rows = [
    stepRow(cloud, 'Extract (one per part)', extractId, invocations),
    stepRow(cloud, 'Prepare', training('Prepare'), invocations),
    stepRow(cloud, 'Train (one per candidate or shard)', training('Train'), invocations),
    stepRow(cloud, 'Evaluate (joins shards)', training('Evaluate'), invocations),
    stepRow(cloud, 'Publish', training('Publish'), invocations),
  ];
  const executions = [...cloud.stepFunctions.executions.values()];
  console.log(
    `\nload average at the end ${load()}; pipeline wall time from the first part's upload: ${seconds(m.wallMs)}; ` +
      `this process's max RSS (the emulators' objects and every function's workers): ` +
      `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
  printTable(rows, [
    { step: 'seed (this process, no Lambda)', ms: m.seedMs, note: `${m.seedRssMb.toFixed(0)} max RSS of the process` },
    { step: 'upload events', ms: m.uploadMs, note: `${(m.eventBytes / MiB / (m.uploadMs / 1000)).toFixed(0)} MiB/s` },
  ]);
  const shardKeys = (await listKeys(cloud.clients.s3, bucket, 'training/')).filter((k) => k.includes('/candidates/'));
  console.log(
    `\ncandidate objects: ${shardKeys.map((k) => k.replace(/^training\/[^/]+\/candidates\//, '')).join(', ')}`,
  );
  for (const e of executions) {
    const output = e.output ? (JSON.parse(e.output) as { version?: string; decision?: string }) : {};
    console.log(
      `execution ${e.name}: ${e.status} in ${seconds((e.stopDate?.getTime() ?? Date.now()) - e.startDate.getTime())}` +
        `${output.version ? `, published ${output.version}` : ''}${e.error ? `, ${e.error}: ${e.cause}` : ''}`,
    );
  }
  const store = new TrainingStore(cloud.clients.s3);
  for (const key of (await listKeys(cloud.clients.s3, bucket, 'training/')).filter((k) =>
    k.endsWith('evaluation.json'),
  )) {
    const doc = JSON.parse(await store.getText(bucket, key)) as { candidates: { id: string; auc: number }[] };
    console.log(`test AUC: ${doc.candidates.map((c) => `${c.id} ${c.auc.toFixed(4)}`).join(', ')}`);
  }
  const failures = cloud.asyncFailures.map((f) => f.error);
  if (failures.length > 0) console.log(`async failures: ${failures.join('; ')}`);
}

/**
 * The reference, same run: Prepare's core on the extracted parts as local files, in a fresh
 * process each, as the handler now does it and as it did before (bench/_prepare-child.ts).
 */
async function prepareReference(cloud: LocalCloud, bucket: string, dir: string, users: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const store = new TrainingStore(cloud.clients.s3);
  const fetch = async (prefix: string, file: RegExp) => {
    const keys = (await listKeys(cloud.clients.s3, bucket, prefix)).filter((k) => file.test(k));
    return Promise.all(
      keys.map(async (key, i) => {
        const path = join(dir, `${i}-${key.split('/').pop()?.replace(/\.gz$/, '')}`);
        writeFileSync(path, await store.getBytes(bucket, key));
        return path;
      }),
    );
  };
  const features = await fetch('extracted/week=0/', /\/features\.tsv(\.gz)?$/);
  const active = await fetch('extracted/week=1/', /\/active_users\.txt(\.gz)?$/);
  await comparePrepare({ features, active }, dir, users);
}

async function comparePrepare(
  { features, active }: { features: string[]; active: string[] },
  dir: string,
  users: number,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const arg = (out: string) => JSON.stringify({ features, active, out: join(dir, out) });
  const streamed = await measure(['bench/_prepare-child.ts', 'streamed', arg('streamed')]);
  if (users > WHOLE_REFERENCE_MAX_USERS) {
    // The whole-table path needs ~570 MB per million users: not run on a machine shared by eight.
    console.log(
      `\nPrepare's core streamed on the same ${features.length} parts, local files, own process (load ${load()}): ` +
        `${streamed.wallSeconds.toFixed(1)} s, peak RSS ${streamed.peakRssMb} MB (the whole-table reference is run up to ` +
        `${WHOLE_REFERENCE_MAX_USERS.toLocaleString('en')} users only)`,
    );
    return;
  }
  const whole = await measure(['bench/_prepare-child.ts', 'whole', arg('whole')]);
  console.log(
    `\nPrepare's core on the same ${features.length} parts, local files, a process each (load ${load()}):\n` +
      `| path | wall s | peak RSS MB |\n| --- | --- | --- |\n` +
      `| streamed (now) | ${streamed.wallSeconds.toFixed(1)} | ${streamed.peakRssMb} |\n` +
      `| whole table (before) | ${whole.wallSeconds.toFixed(1)} | ${whole.peakRssMb} |\n` +
      `peak RSS streamed / whole: ${(streamed.peakRssMb / whole.peakRssMb).toFixed(2)}; ` +
      `time: ${(streamed.wallSeconds / whole.wallSeconds).toFixed(2)}`,
  );
}

/**
 * features.tsv parts of `users` users (ids spread over the parts, 90 % of them active in the
 * train week as in the demo) and the label week's active_users.txt (two in three of them),
 * written a part at a time. Values vary so that the columns are not constant.
 */
async function syntheticParts(
  dir: string,
  users: number,
  parts: number,
): Promise<{ features: string[]; active: string[] }> {
  mkdirSync(dir, { recursive: true });
  const header = FEATURES_TSV_HEADER.join('\t');
  const values = FEATURES.map((spec) => featureCategories(spec));
  const features: string[] = [];
  const active: string[] = [];
  for (let p = 0; p < parts; p++) {
    const rows: string[] = [header];
    const ids: number[] = [];
    for (let id = p + 1; id <= users; id += parts) {
      const h = Math.imul(id, 0x9e3779b1) >>> 0;
      if (h % 10 === 9) continue;
      const row = [String(id), '0'];
      values.forEach((list, f) =>
        row.push(list.length ? list[(h >>> f) % list.length]! : String((h >>> (f + 3)) % 40)),
      );
      rows.push(row.join('\t'));
      if (h % 3 !== 0) ids.push(id);
    }
    const path = join(dir, `features-${p}.tsv`);
    writeFileSync(path, rows.join('\n') + '\n');
    features.push(path);
    const activePath = join(dir, `active-${p}.txt`);
    writeFileSync(activePath, ids.join('\n') + '\n');
    active.push(activePath);
  }
  console.log(`synthetic parts: ${users.toLocaleString('en')} users in ${parts} parts; load ${load()}`);
  return { features, active };
}
