/**
 * Training handlers at scale: time and peak memory of Prepare and Train at 100k and 1M
 * users (--quick: 10k), each in its own process against the emulated S3, next to the same
 * work on local files measured in the same run (the reference; the ratio is what S3 and
 * the handler add). Sizes the Lambdas' memory and timeouts (docs/training.md).
 * Train runs the engine forest-engine.ts binds (the histogram forest) on all cores, with
 * one candidate of the default grid.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { S3Client } from '@aws-sdk/client-s3';
import { startEmulators, s3ClientConfig, localAwsEnv } from '#infra/local/emulators.ts';
import { FEATURE_NAMES, DEFAULT_CATEGORIES } from '#core/schema.ts';
import type { BenchOptions } from './run.ts';
import { lastJsonLine, present } from './_shared.ts';

const execFileAsync = promisify(execFile);
const projectRoot = fileURLToPath(new URL('../', import.meta.url));
/** One candidate of the default grid (params.ts): 20 trees, the deeper of its two depths. */
const TRAIN_PARAMS = { numTrees: 20, maxDepth: 10, featureSubsetStrategy: 'sqrt', seed: 7 };

interface Measurement {
  seconds: number;
  peakRssMb: number;
  baselineRssMb: number;
  result: unknown;
}

/** A week of `users` with retention driven by pc and age, as features.tsv text and active ids. */
function generateWeek(users: number): { features: string; active: string } {
  let state = 12345;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const lines = [['user_id', 'week', ...FEATURE_NAMES].join('\t')];
  const active: number[] = [];
  for (let id = 1; id <= users; id++) {
    const pc = Math.floor(random() * 8);
    const age = 20 + Math.floor(random() * 51);
    const row = [
      id,
      '0',
      pick(DEFAULT_CATEGORIES.industry),
      pick(DEFAULT_CATEGORIES.region),
      pick(DEFAULT_CATEGORIES.social_type),
      Math.floor(random() * 4),
      Math.floor(random() * 4),
      pc,
      Math.floor(random() * 3),
      0,
      ...Array.from({ length: 7 }, () => Math.floor(random() * 5)),
      id % 2,
      age,
    ];
    lines.push(row.join('\t'));
    if (random() < 0.2 + 0.08 * pc - (age > 50 ? 0.15 : 0)) active.push(id);
  }
  return { features: lines.join('\n') + '\n', active: active.join('\n') + '\n' };
}

async function child(stage: string, arg: unknown, env: Record<string, string>): Promise<Measurement> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', 'tsx', 'bench/_training-child.ts', stage, JSON.stringify(arg)],
    {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 2 ** 20,
    },
  );
  return lastJsonLine<Measurement>(stdout, `the ${stage} child`);
}

export async function run(opts: BenchOptions): Promise<void> {
  const sizes = opts.quick ? [10_000] : [100_000, 1_000_000];
  const emulators = await startEmulators();
  const s3 = new S3Client(s3ClientConfig(emulators));
  const dir = mkdtempSync(join(tmpdir(), 'bench-training-'));
  const rows: string[][] = [];
  try {
    for (const users of sizes) {
      const bucket = `bench-${users}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const week = generateWeek(users);
      const put = (key: string, body: string) =>
        new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: body } }).done();
      await put('extracted/week=0/part=a/features.tsv', week.features);
      await put('extracted/week=0/part=a/active_users.txt', '');
      await put('extracted/week=1/part=a/features.tsv', week.features.split('\n')[0] + '\n');
      await put('extracted/week=1/part=a/active_users.txt', week.active);
      writeFileSync(join(dir, 'features.tsv'), week.features);
      writeFileSync(join(dir, 'active.txt'), week.active);
      const env = { ...localAwsEnv(emulators), DATA_BUCKET: bucket };

      const prepare = await child('prepare', { trainWeek: '0', labelWeek: '1', params: TRAIN_PARAMS }, env);
      const prepareLocal = await child(
        'prepare-local',
        { features: join(dir, 'features.tsv'), active: join(dir, 'active.txt') },
        env,
      );
      const prepared = prepare.result as {
        runId: string;
        combinations: { runId: string; id: string; params: Record<string, unknown> }[];
      };
      const combination = present(prepared.combinations[0], 'a grid combination from prepare');
      const trainBin = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: `training/${prepared.runId}/train.bin` }),
      );
      writeFileSync(
        join(dir, 'train.bin'),
        await present(trainBin.Body, 'the body of train.bin').transformToByteArray(),
      );
      const train = await child('train', combination, env);
      const trainLocal = await child(
        'train-local',
        { dataset: join(dir, 'train.bin'), params: combination.params },
        env,
      );
      const row = (name: string, m: Measurement, ref: Measurement) => [
        `${users.toLocaleString('en')}`,
        name,
        m.seconds.toFixed(2),
        ref.seconds.toFixed(2),
        (m.seconds / ref.seconds).toFixed(2),
        String(m.peakRssMb),
        String(ref.peakRssMb),
        String(m.baselineRssMb),
      ];
      rows.push(
        row('prepare handler', prepare, prepareLocal),
        row(
          `train handler (${combination.params.numTrees} trees, depth ${combination.params.maxDepth})`,
          train,
          trainLocal,
        ),
      );
      console.log(`  ${users} users: done`);
    }
  } finally {
    s3.destroy();
    await emulators.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const header = [
    'users',
    'step',
    'handler s',
    'local ref s',
    'ratio',
    'handler peak RSS MB',
    'ref peak RSS MB',
    'process baseline MB',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  console.log(
    'reference: the same parse/label/split (prepare) or forest (train) on local files, no S3; engine: see functions/core/training/forest-engine.ts',
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
