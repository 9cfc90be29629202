/**
 * The demo data (seed/ generator) written to a folder, and where each file goes in the data
 * bucket (the raw/ layout of docs/formats.md). The model's truth files and seed.json stay in
 * the folder for people to compare with; they are not inputs.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { generateDemoData, directorySink, type SeedResult } from '#seed/index.ts';
import type { PipelineOptions } from '#infra/local/pipeline.ts';

export interface DemoFile {
  /** The S3 key, or undefined for files that are not pipeline inputs. */
  readonly key: string | undefined;
  readonly name: string;
  readonly path: string;
  readonly lines: number;
}

/** Where a generated file goes in the data bucket (undefined: not uploaded). */
function rawKey(name: string): string | undefined {
  if (name.endsWith('.meta')) return `raw/meta/${name}`;
  if (name === 'crm_info.data') return `raw/crm/${name}`;
  if (name === 'nosql_user_profile.data') return `raw/profiles/${name}`;
  if (/^user_events_.+\.(log|tsv)(\.gz)?$/.test(name)) return `raw/events/${name}`;
  // A week in parts (seed --parts): its folder, the parts, then _SUCCESS.
  if (/^week=[^/]+\/(part-\d+\.log(\.gz)?|_SUCCESS)$/.test(name)) return `raw/events/${name}`;
  return undefined;
}

/**
 * Weeks the demo's population is sized for: `npm start` adds weeks while it runs, and up to
 * this many its tables and earlier weeks stay byte for byte those already uploaded.
 */
export const DEMO_HORIZON_WEEKS = 26;

export async function generateDemoFiles(
  options: PipelineOptions,
  dir: string,
): Promise<{ files: DemoFile[]; seed: SeedResult }> {
  rmSync(dir, { recursive: true, force: true });
  const seed = await generateDemoData(
    {
      users: options.users,
      weeks: options.weeks,
      seed: options.seed,
      dirty: options.dirty,
      horizonWeeks: Math.max(options.weeks, DEMO_HORIZON_WEEKS),
    },
    directorySink(dir),
  );
  const files = seed.files.map((f) => ({ key: rawKey(f.name), name: f.name, path: join(dir, f.name), lines: f.lines }));
  return { files, seed };
}
