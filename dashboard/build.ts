/**
 * Builds the dashboard into a folder of static files (index.html, app.js, styles.css):
 * the CDK construct deploys that folder, the local server serves it, the browser tests
 * load it. Synchronous (esbuild's buildSync) because CDK constructs are built in
 * constructors. `npx tsx dashboard/build.ts [outDir]` builds from the command line.
 */
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SITE_SOURCE_DIR = fileURLToPath(new URL('./src/', import.meta.url));
export const DEFAULT_SITE_DIR = fileURLToPath(new URL('./dist/', import.meta.url));

export interface SiteBuildOptions {
  /**
   * Where to write; emptied first. Default: a folder under dashboard/dist/ named by the build's
   * content hash, written once and never changed (see buildSite).
   */
  outDir?: string;
  /** Minify the bundle (default true: what is deployed is what is measured). */
  minify?: boolean;
}

export interface SiteBuild {
  outDir: string;
  /** File name → size in bytes. */
  files: Record<string, number>;
}

/**
 * Builds the site. Without `outDir` the build goes to `dashboard/dist/<content hash>/`, moved
 * into place whole: synths, the local server and tests in parallel processes all build at
 * once, and a shared folder emptied and refilled under a reader served it half-written.
 */
export function buildSite(options: SiteBuildOptions = {}): SiteBuild {
  if (options.outDir !== undefined) return buildInto(resolve(options.outDir), options);
  const staging = join(DEFAULT_SITE_DIR, `.staging-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const built = buildInto(staging, options);
  const hash = createHash('sha256');
  for (const name of Object.keys(built.files).sort()) hash.update(name).update(readFileSync(join(staging, name)));
  const outDir = join(DEFAULT_SITE_DIR, hash.digest('hex').slice(0, 16));
  if (existsSync(outDir)) rmSync(staging, { recursive: true, force: true });
  else {
    try {
      renameSync(staging, outDir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process moved the same build in first
    }
  }
  return { outDir, files: built.files };
}

function buildInto(outDir: string, options: SiteBuildOptions): SiteBuild {
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
  console.log(
    `site built in ${built.outDir}: ${Object.entries(built.files)
      .map(([f, n]) => `${f} ${n} B`)
      .join(', ')}`,
  );
}
