/**
 * Stage "demo-data": generates the demo with the seed/ generator into `<state>/demo/`, then
 * uploads the inputs to the data bucket in the raw/ layout of docs/formats.md: category
 * lists, CRM and profile tables first, then the weeks (each week's upload triggers its
 * extraction). The truth files stay in the folder.
 */
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { Upload } from '@aws-sdk/lib-storage';
import type { Stage } from '#infra/local/pipeline.ts';
import { dataBucket } from './resources.ts';
import { generateDemoFiles } from './demo-files.ts';

export interface DemoDataSummary {
  readonly bucket: string;
  readonly folder: string;
  readonly users: number;
  readonly weeks: {
    week: string;
    file: string;
    events: number;
    activeUsers: number;
    retained: number;
    /** Users signed up by this week, and those who signed up in it. */
    signedUp: number;
    newUsers: number;
  }[];
  readonly dirtyRate: number;
  readonly objects: { key: string; bytes: number; lines: number }[];
  /** Keys of the weekly event objects, in upload order. */
  readonly eventKeys: string[];
}

const MiB = 2 ** 20;

export const demoData: Stage = {
  name: 'demo-data',
  title: 'Demo data (seed → s3://<data bucket>/raw/)',
  async run({ cloud, options, progress }) {
    const bucket = dataBucket(cloud).name;
    const folder = join(cloud.stateDir, 'demo');
    progress(`generating ${options.users} users × ${options.weeks} weeks`);
    const { files, seed } = await generateDemoFiles(options, folder);
    const inputs = files.flatMap(({ key, ...file }) => (key === undefined ? [] : [{ ...file, key }]));
    // Tables before weeks, so each week's extraction finds them on its first run.
    const isWeek = (key: string) => key.startsWith('raw/events/');
    const ordered = [...inputs].sort((a, b) => Number(isWeek(a.key)) - Number(isWeek(b.key)));
    const objects: DemoDataSummary['objects'] = [];
    for (const [index, file] of ordered.entries()) {
      progress(`uploading ${index + 1}/${ordered.length} ${file.key}`);
      const bytes = statSync(file.path).size;
      await new Upload({
        client: cloud.clients.s3,
        params: { Bucket: bucket, Key: file.key, Body: createReadStream(file.path) },
        partSize: 8 * MiB,
      }).done();
      objects.push({ key: file.key, bytes, lines: file.lines });
    }
    const summary: DemoDataSummary = {
      bucket,
      folder,
      users: options.users,
      weeks: seed.weeks.map((w) => ({
        week: w.week,
        file: w.eventsFile,
        events: w.events,
        activeUsers: w.activeUsers,
        retained: w.retained,
        signedUp: w.signedUp,
        newUsers: w.newUsers,
      })),
      dirtyRate: seed.options.dirty,
      objects,
      eventKeys: objects.filter((o) => isWeek(o.key)).map((o) => o.key),
    };
    const total = objects.reduce((n, o) => n + o.bytes, 0);
    return {
      summary,
      lines: [
        `${options.users} users, ${seed.weeks.length} weeks, ${(seed.options.dirty * 100).toFixed(1)}% malformed lines; files in ${folder}`,
        ...seed.weeks.map(
          (w) =>
            `week ${w.week}: ${w.events} events by ${w.activeUsers} active of ${w.signedUp} signed-up users ` +
            `(${((100 * w.activeUsers) / w.signedUp).toFixed(1)} %, ${w.newUsers} new; ${w.retained} of them come back next week)`,
        ),
        `${objects.length} objects (${(total / 1024).toFixed(0)} KiB) uploaded to s3://${bucket}/raw/:`,
        ...objects.map((o) => `  ${o.key.padEnd(48)} ${String(o.lines).padStart(8)} lines`),
      ],
    };
  },
};
