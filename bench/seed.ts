/**
 * Demo-data generator at scale: one week of 1M users (~10M events) written to disk, wall time
 * and peak RSS of the whole process. Reference, measured in the same run: writing the same
 * number of bytes to disk from one reused 64 KiB buffer (pure I/O, the floor for any
 * generator). Each job runs in its own process so that peak RSS is its own.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { directorySink, generateDemoData } from '#seed/index.ts';
import { argvAt, present } from './_shared.ts';

const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL('../', import.meta.url));
const node = join(root, 'node_modules/.bin/node');
const outRoot = join(root, 'bench/output/seed');

interface ChildReport {
  ms: number;
  maxRssMb: number;
  bytes: number;
  events?: number;
}

async function child(mode: string, out: string, size: number): Promise<ChildReport> {
  const started = performance.now();
  let bytes: number;
  let events: number | undefined;
  if (mode === 'seed' || mode === 'seed-gzip') {
    const result = await generateDemoData(
      { users: size, weeks: 1, seed: 1, gzip: mode === 'seed-gzip' },
      directorySink(out),
    );
    const week = present(result.weeks[0], 'the generated week');
    events = week.events;
    const log = week.eventsFile;
    bytes = statSync(join(out, log)).size;
  } else {
    // The reference: `size` bytes from one reused buffer, with the same backpressure.
    const chunk = new Uint8Array(64 * 1024).fill(57);
    mkdirSync(out, { recursive: true });
    const file = createWriteStream(join(out, 'bytes.bin'));
    for (let left = size; left > 0; left -= chunk.length) {
      if (!file.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await once(file, 'drain');
    }
    file.end();
    await once(file, 'close');
    bytes = size;
  }
  return { ms: performance.now() - started, maxRssMb: process.resourceUsage().maxRSS / 1024, bytes, events };
}

function runChild(mode: string, out: string, size: number): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(
      node,
      [self, '--child', mode, out, String(size)],
      { cwd: root, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${mode}: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as ChildReport);
      },
    );
  });
}

export async function run(opts: { quick: boolean }): Promise<void> {
  const users = opts.quick ? 100_000 : 1_000_000;
  rmSync(outRoot, { recursive: true, force: true });
  const seed = await runChild('seed', join(outRoot, 'plain'), users);
  const gzip = await runChild('seed-gzip', join(outRoot, 'gzip'), users);
  const reference = await runChild('write', join(outRoot, 'reference'), seed.bytes);
  rmSync(outRoot, { recursive: true, force: true });

  const mb = (b: number) => (b / 2 ** 20).toFixed(0);
  const rows = [
    ['job', 'wall s', 'peak RSS MB', 'events/s', 'log MB', 'vs reference'],
    [
      'write the bytes only (reference)',
      (reference.ms / 1000).toFixed(2),
      reference.maxRssMb.toFixed(0),
      '',
      mb(reference.bytes),
      '1.00×',
    ],
    [
      `seed ${users} users, 1 week, plain`,
      (seed.ms / 1000).toFixed(2),
      seed.maxRssMb.toFixed(0),
      (present(seed.events, 'the event count of the seed run') / (seed.ms / 1000)).toFixed(0),
      mb(seed.bytes),
      `${(seed.ms / reference.ms).toFixed(2)}×`,
    ],
    [
      `seed ${users} users, 1 week, --gzip`,
      (gzip.ms / 1000).toFixed(2),
      gzip.maxRssMb.toFixed(0),
      (present(gzip.events, 'the event count of the gzip run') / (gzip.ms / 1000)).toFixed(0),
      mb(gzip.bytes),
      `${(gzip.ms / reference.ms).toFixed(2)}×`,
    ],
  ];
  console.log(`${seed.events} events in the week (goal: under 60 s a week, bounded memory)`);
  // A column is as wide as its widest cell (every row has the header's cells).
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? [];
  for (const r of rows)
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '));
}

if (process.argv[1] === self && process.argv[2] === '--child') {
  console.log(JSON.stringify(await child(argvAt(3), argvAt(4), Number(argvAt(5)))));
}
