/**
 * The extract Lambda's handler on one big week in emulated S3 vs `retention extract` on the
 * same file on local disk (the reference), each a whole child process under /usr/bin/time
 * (wall time, CPU time, peak RSS). The handler's child reads from and writes to fauxqs,
 * which runs in this (parent) process, so S3's own CPU is not in the handler's figures.
 * The figures size the Lambda (docs/deploy.md): memory ≥ peak RSS with headroom, timeout ≥
 * several times the wall time.
 *
 * Inputs: the week bench/extract.ts generates and caches in bench/output/extract/ (10M
 * events, 100k users; --quick: 500k events). Run that benchmark once first.
 *
 * Also the handler child: `node bench/extract-handler.ts child <s3 endpoint> <bucket> <key>`.
 */
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { localAwsEnv, s3ClientConfig, startEmulators } from '#infra/local/emulators.ts';
import { argvAt, measure, root, type Measured } from './_shared.ts';

const self = fileURLToPath(import.meta.url);
const BUCKET = 'bench-data';

export async function run(opts: { quick: boolean }): Promise<void> {
  const dir = join(root, 'bench/output/extract', opts.quick ? '500000-20000-1000' : '10000000-100000-1000');
  const events = ['user_events_week0.log.gz', 'user_events_week0.log'].map((f) => join(dir, f));
  const crm = join(dir, 'crm_info.data');
  const profiles = join(dir, 'nosql_user_profile.data');
  if (![...events, crm, profiles].every(existsSync)) {
    throw new Error(
      `inputs missing in ${dir}: run bench/extract.ts${opts.quick ? ' --quick' : ''} once first (it generates and caches them)`,
    );
  }

  const emulators = await startEmulators();
  const s3 = new S3Client(s3ClientConfig(emulators));
  const out = mkdtempSync(join(tmpdir(), 'bench-extract-handler-'));
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/crm/crm_info.data', Body: readFileSync(crm) }));
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'raw/profiles/nosql_user_profile.data',
        Body: readFileSync(profiles),
      }),
    );
    const rows: [string, Measured, Measured, number][] = [];
    for (const file of events) {
      const name = file.slice(file.lastIndexOf('/') + 1);
      const key = `raw/events/${name}`;
      await new Upload({
        client: s3,
        params: { Bucket: BUCKET, Key: key, Body: createReadStream(file) },
        partSize: 8 * 2 ** 20,
      }).done(); // fauxqs takes request bodies up to 11 MiB
      const reference = await measure([
        'bin/retention.ts',
        'extract',
        '--events',
        file,
        '--crm',
        crm,
        '--profiles',
        profiles,
        '--out',
        join(out, name),
        '--gzip-output',
      ]);
      const handler = await measure([self, 'child', emulators.endpoints.s3, BUCKET, key], localAwsEnv(emulators));
      rows.push([name, handler, reference, statSync(file).size]);
    }
    console.log(
      `${opts.quick ? '500k' : '10M'} events; one child process per run (start-up included), fauxqs in the parent process; ` +
        'the machine is shared with other work, so compare CPU when wall > CPU.',
    );
    console.log('');
    console.log('| object | MiB | job | wall s | CPU s | peak RSS MB | wall vs reference | CPU vs reference |');
    console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, handler, reference, bytes] of rows) {
      const mib = (bytes / 2 ** 20).toFixed(0);
      const line = (job: string, m: Measured) =>
        `| ${name} | ${mib} | ${job} | ${m.wallSeconds.toFixed(2)} | ${m.cpuSeconds.toFixed(2)} | ${m.peakRssMb} | ` +
        `${(m.wallSeconds / reference.wallSeconds).toFixed(2)}× | ${(m.cpuSeconds / reference.cpuSeconds).toFixed(2)}× |`;
      console.log(line('extract handler, S3 → S3', handler));
      console.log(line('retention extract, disk (reference)', reference));
    }
    console.log('');
    for (const [name, handler] of rows) console.log(`handler on ${name}: ${handler.stdout.trim()}`);
  } finally {
    s3.destroy();
    await emulators.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

/** The child: invokes the handler once with the S3Event AWS would send, prints its outcome. */
async function child(endpoint: string, bucket: string, key: string): Promise<void> {
  process.env.DATA_BUCKET = bucket;
  process.env.LOG_LEVEL = 'WARN';
  process.env.AWS_ENDPOINT_URL_S3 = endpoint;
  const { handler } = await import('#handlers/extraction/extract.ts');
  const { buildS3Event } = await import('#infra/local/s3-event.ts');
  const event = buildS3Event({
    region: process.env.AWS_REGION ?? 'us-east-1',
    bucket,
    key,
    size: 0,
    eTag: 'bench',
    at: Date.now(),
  });
  const outcome = await handler(event as never, {});
  console.log(JSON.stringify(outcome));
}

if (process.argv[1] === self && process.argv[2] === 'child') {
  await child(argvAt(3), argvAt(4), argvAt(5));
} else if (process.argv[1] === self) {
  await run({ quick: process.argv.includes('--quick') });
}
