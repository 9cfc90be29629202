/**
 * Stage "demo-data": generates the demo (seed/) and uploads it to the data bucket in the
 * `raw/` layout of docs/formats.md: category lists, CRM and profile tables first, then the
 * weeks (each upload of a week triggers its extraction).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Stage } from '../pipeline.ts';
import { dataBucket } from './resources.ts';
import { generateDemoFiles } from './demo-files.ts';

export interface DemoDataSummary {
  readonly bucket: string;
  readonly users: number;
  readonly weeks: number;
  readonly objects: { key: string; bytes: number; lines: number }[];
  /** Keys of the weekly event objects, in upload order. */
  readonly eventKeys: string[];
}

export const demoData: Stage = {
  name: 'demo-data',
  title: 'Demo data (seed → s3://<data>/raw/)',
  async run({ cloud, options, progress }) {
    const bucket = dataBucket(cloud).name;
    progress(`generating ${options.users} users × ${options.weeks} weeks`);
    const files = await generateDemoFiles(options);
    // Tables before weeks, so each week's extraction finds them on its first run.
    const ordered = [...files].sort((a, b) => Number(a.key.startsWith('raw/events/')) - Number(b.key.startsWith('raw/events/')));
    const objects: DemoDataSummary['objects'] = [];
    for (const [index, file] of ordered.entries()) {
      progress(`uploading ${index + 1}/${ordered.length} ${file.key}`);
      await cloud.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: file.body }));
      objects.push({ key: file.key, bytes: file.body.byteLength, lines: file.lines });
    }
    const eventKeys = objects.filter((o) => o.key.startsWith('raw/events/')).map((o) => o.key);
    const summary: DemoDataSummary = { bucket, users: options.users, weeks: options.weeks, objects, eventKeys };
    const bytes = objects.reduce((n, o) => n + o.bytes, 0);
    return {
      summary,
      lines: [
        `${objects.length} objects, ${(bytes / 1024).toFixed(0)} KiB uploaded to s3://${bucket}/raw/`,
        ...objects.map((o) => `${o.key.padEnd(48)} ${String(o.lines).padStart(8)} lines`),
      ],
    };
  },
};
