/**
 * Builds the dashboard into a folder of static files (index.html, app.js, styles.css):
 * the CDK construct deploys that folder, the local server serves it, the browser tests
 * load it. Synchronous (esbuild's buildSync) because CDK constructs are built in
 * constructors. `npx tsx site/build.ts [outDir]` builds from the command line.
 */
import { buildSync } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SITE_SOURCE_DIR = fileURLToPath(new URL('./src/', import.meta.url));
export const DEFAULT_SITE_DIR = fileURLToPath(new URL('./dist/', import.meta.url));

export interface SiteBuildOptions {
  /** Where to write; emptied first. Default site/dist/. */
  outDir?: string;
  /** Minify the bundle (default true: what is deployed is what is measured). */
  minify?: boolean;
}

export interface SiteBuild {
  outDir: string;
  /** File name → size in bytes. */
  files: Record<string, number>;
}

export function buildSite(options: SiteBuildOptions = {}): SiteBuild {
  const outDir = resolve(options.outDir ?? DEFAULT_SITE_DIR);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  buildSync({
    entryPoints: [join(SITE_SOURCE_DIR, 'main.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: options.minify ?? true,
    legalComments: 'none',
    logLevel: 'error',
  });
  for (const file of ['index.html', 'styles.css']) copyFileSync(join(SITE_SOURCE_DIR, file), join(outDir, file));
  const files: Record<string, number> = {};
  for (const name of readdirSync(outDir)) files[name] = statSync(join(outDir, name)).size;
  return { outDir, files };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = buildSite({ outDir: process.argv[2] });
  console.log(`site built in ${built.outDir}: ${Object.entries(built.files).map(([f, n]) => `${f} ${n} B`).join(', ')}`);
}
