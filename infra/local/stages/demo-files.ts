/**
 * The demo data as S3 objects in the raw/ layout, from the seed/ generator.
 * (Adapter: the seed's own API stays in seed/; this only maps its files to keys.)
 */
import type { PipelineOptions } from '../pipeline.ts';

export interface DemoFile {
  readonly key: string;
  readonly body: Uint8Array;
  readonly lines: number;
}

export async function generateDemoFiles(options: PipelineOptions): Promise<DemoFile[]> {
  // Computed specifier: seed/ is another engineer's folder and may not exist yet.
  const seed = (await import(new URL('../../../seed/index.ts', import.meta.url).href).catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!seed) throw new Error('the demo generator (seed/index.ts) is not available yet');
  throw new Error(`seed/index.ts exports ${Object.keys(seed).join(', ')}; the adapter is not written yet (users ${options.users})`);
}
