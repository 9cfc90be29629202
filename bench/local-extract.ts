/**
 * Extraction of one big week through the local cloud vs on a local file.
 *
 * Generates a week of valid events (10M lines; --quick: 200k) for 1M users (--quick: 20k)
 * with matching CRM and profile tables, then:
 *  - reference: `retention extract --gzip-output` on the local files (a child process; wall
 *    time, max RSS), gzip because the handler writes gzipped outputs;
 *  - local cloud: upload the tables and the week to the emulated data bucket, the bucket
 *    notification runs the extract Lambda's bundle; upload time, handler duration, time
 *    from the end of the upload to the manifest, and the handler's peak heap + external memory.
 * Prints one table with the ratio cloud / local.
 */
import { createWriteStream, createReadStream, mkdtempSync, rmSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DEFAULT_CATEGORIES } from '#core/schema.ts';
import { DEFAULT_BASE_WEEK, weekSpan } from '#core/weeks.ts';
import { startLocalCloud, type Activity } from '#infra/local/cloud.ts';
import { dataBucket } from '#infra/local/stages/resources.ts';
import { listKeys } from '#infra/local/stages/s3-read.ts';
import { random } from './_shared.ts';

const projectRoot = fileURLToPath(new URL('../', import.meta.url));
const MiB = 2 ** 20;

interface Sizes {
  events: number;
  users: number;
  companies: number;
}

async function writeInputs(
  dir: string,
  sizes: Sizes,
): Promise<{ events: string; crm: string; profiles: string; meta: string }> {
  const rnd = random(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)];
  const meta = join(dir, 'meta');
  mkdirSync(meta);
  for (const [list, values] of Object.entries(DEFAULT_CATEGORIES))
    writeFileSync(join(meta, `${list}.meta`), `${values.join('\n')}\n`);
  const crm = join(dir, 'crm_info.data');
  const crmLines: string[] = [];
  for (let c = 0; c < sizes.companies; c++)
    crmLines.push(
      `${c}\t${pick(DEFAULT_CATEGORIES.industry)}\t${pick(DEFAULT_CATEGORIES.region)}\t${pick(DEFAULT_CATEGORIES.social_type)}`,
    );
  writeFileSync(crm, `${crmLines.join('\n')}\n`);
  const profiles = join(dir, 'nosql_user_profile.data');
  const profileOut = createWriteStream(profiles);
  for (let start = 0; start < sizes.users; start += 100_000) {
    const chunk: string[] = [];
    for (let u = start; u < Math.min(sizes.users, start + 100_000); u++)
      chunk.push(`${u}\t${Math.floor(rnd() * 2)}\t${20 + Math.floor(rnd() * 51)}`);
    if (!profileOut.write(`${chunk.join('\n')}\n`)) await once(profileOut, 'drain');
  }
  profileOut.end();
  await once(profileOut, 'finish');
  const { start, end } = weekSpan(DEFAULT_BASE_WEEK);
  const events = join(dir, 'user_events_week0.log');
  const out = createWriteStream(events);
  for (let first = 0; first < sizes.events; first += 100_000) {
    const chunk: string[] = [];
    for (let i = first; i < Math.min(sizes.events, first + 100_000); i++) {
      const user = Math.floor(rnd() * sizes.users);
      const time = start + Math.floor(rnd() * (end - start));
      chunk.push(
        `${i}\t${user}\t${user % sizes.companies}\t${pick(DEFAULT_CATEGORIES.platform)}\t${time}\t${pick(DEFAULT_CATEGORIES.event_type)}\t${i < sizes.users ? 1 : 0}`,
      );
    }
    if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { events, crm, profiles, meta };
}

/** `retention extract` in a child process under /usr/bin/time for its max RSS. */
async function extractLocally(
  inputs: Awaited<ReturnType<typeof writeInputs>>,
  outDir: string,
): Promise<{ ms: number; maxRssBytes?: number }> {
  const args = [
    process.execPath,
    'bin/retention.ts',
    'extract', // Node 24 runs the .ts directly: no tsx start-up in the reference
    '--out',
    outDir,
    '--meta',
    inputs.meta,
    '--crm',
    inputs.crm,
    '--profiles',
    inputs.profiles,
    '--events',
    inputs.events,
    // The handler writes gzipped outputs (features, rejects, user counts): same work here.
    '--gzip-output',
  ];
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'maxrss_kb=%M', ...args], {
    cwd: projectRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const [code] = (await once(child, 'close')) as [number];
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`retention extract failed (${code}): ${stderr.slice(-500)}`);
  const rss = /maxrss_kb=(\d+)/.exec(stderr);
  return { ms, maxRssBytes: rss ? Number(rss[1]) * 1024 : undefined };
}

async function extractInCloud(inputs: Awaited<ReturnType<typeof writeInputs>>, stateDir: string) {
  const invocations: (Extract<Activity, { kind: 'invoke' }> & { at: number })[] = [];
  const cloud = await startLocalCloud({
    stateDir,
    onActivity: (a) =>
      a.kind === 'invoke' && a.trigger === 'async' && invocations.push({ ...a, at: performance.now() }),
  });
  try {
    // The function the bucket notifies for raw/events/ (read from the template, as the cloud does).
    const extractId = cloud.template.notifications.find(
      (r) => r.kind === 'lambda' && r.prefix.startsWith('raw/events'),
    )?.targetLogicalId;
    if (!extractId) throw new Error('no notification rule for raw/events/ in the template');
    const bucket = dataBucket(cloud).name;
    const s3 = cloud.clients.s3;
    for (const [list] of Object.entries(DEFAULT_CATEGORIES)) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `raw/meta/${list}.meta`,
          Body: `${DEFAULT_CATEGORIES[list as keyof typeof DEFAULT_CATEGORIES].join('\n')}\n`,
        }),
      );
    }
    await new Upload({
      client: s3,
      params: { Bucket: bucket, Key: 'raw/crm/crm_info.data', Body: createReadStream(inputs.crm) },
    }).done();
    await new Upload({
      client: s3,
      params: { Bucket: bucket, Key: 'raw/profiles/nosql_user_profile.data', Body: createReadStream(inputs.profiles) },
    }).done();
    await cloud.idle();
    invocations.length = 0;
    const uploadStart = performance.now();
    await new Upload({
      client: s3,
      params: { Bucket: bucket, Key: 'raw/events/user_events_week0.log', Body: createReadStream(inputs.events) },
      partSize: 8 * MiB, // fauxqs accepts request bodies up to 11 MiB
      queueSize: 2,
    }).done();
    const uploaded = performance.now();
    await cloud.idle();
    const manifests = (await listKeys(s3, bucket, 'extracted/')).filter((k) => k.endsWith('manifest.json'));
    const failures = cloud.asyncFailures.map((f) => f.error);
    const extracts = invocations.filter((i) => i.function === extractId);
    const handler = extracts.find((i) => i.ok) ?? extracts[0];
    return {
      uploadMs: uploaded - uploadStart,
      afterUploadMs: handler ? handler.at - uploaded : undefined,
      handlerMs: handler?.durationMs,
      handlerPeakBytes: handler?.peakMemoryBytes,
      memoryMb: cloud.template.functions.find((f) => f.logicalId === handler?.function)?.memoryMb,
      invocations: extracts.length,
      manifests: manifests.length,
      failures,
    };
  } finally {
    await cloud.stop();
  }
}

export async function run(opts: { quick: boolean }): Promise<void> {
  const sizes: Sizes = opts.quick
    ? { events: 200_000, users: 20_000, companies: 100 }
    : { events: 10_000_000, users: 1_000_000, companies: 1000 };
  const dir = mkdtempSync(join(tmpdir(), 'bench-local-extract-'));
  try {
    let t = performance.now();
    const inputs = await writeInputs(dir, sizes);
    const bytes = statSync(inputs.events).size;
    console.log(
      `input: ${sizes.events.toLocaleString('en')} events (${(bytes / MiB).toFixed(0)} MiB), ${sizes.users.toLocaleString('en')} users, generated in ${((performance.now() - t) / 1000).toFixed(1)} s; machine shared with other work`,
    );
    t = performance.now();
    const local = await extractLocally(inputs, join(dir, 'out'));
    const cloud = await extractInCloud(inputs, join(dir, 'state'));
    if (cloud.failures.length > 0 || cloud.manifests !== 1)
      console.log(
        `WARNING: cloud extraction: ${cloud.manifests} manifest(s), failures: ${cloud.failures.join('; ') || 'none'}`,
      );
    const s = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
    const m = (b: number | undefined) => (b === undefined ? 'n/a' : `${(b / MiB).toFixed(0)} MiB`);
    const ratio = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / local.ms).toFixed(2)}×`);
    console.log('| path | time | vs local file | memory |');
    console.log('| --- | --- | --- | --- |');
    console.log(
      `| \`retention extract --gzip-output\` on a local file (reference, whole process) | ${s(local.ms)} | 1.00× | max RSS ${m(local.maxRssBytes)} |`,
    );
    console.log(
      `| upload to the local cloud (lib-storage multipart) | ${s(cloud.uploadMs)} | ${ratio(cloud.uploadMs)} | |`,
    );
    console.log(
      `| extract Lambda handler (one invocation, in its worker) | ${s(cloud.handlerMs)} | ${ratio(cloud.handlerMs)} | peak heap+external ${m(cloud.handlerPeakBytes)} of ${cloud.memoryMb ?? '?'} MB setting |`,
    );
    console.log(
      `| end of upload → extract handler done | ${s(cloud.afterUploadMs)} | ${ratio(cloud.afterUploadMs)} | |`,
    );
    console.log(
      `(${cloud.invocations} extract invocation(s); events ${(bytes / MiB / ((cloud.handlerMs ?? NaN) / 1000)).toFixed(0)} MiB/s in the handler)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
