/**
 * Reuses the product stack's synthesis while its inputs are unchanged. Synthesizing (bundling
 * every Lambda, building the site, cdk-nag) takes 7-30 s on the build machines; `npm start`
 * and the end-to-end tests would pay it on every run. The key is a hash of everything the
 * synthesis reads from the project: infra/ (not infra/local/), functions/, seed/, dashboard/ (not
 * its build output), the package and lock files, tsconfig, cdk.json, and the context.
 * RETENTION_SYNTH_CACHE=0 turns it off.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROJECT_ROOT, synthesize, type CfnTemplate, type SynthesizedStack } from './template.ts';

const INPUT_DIRS = ['infra', 'functions', 'seed', 'dashboard'];
const SKIPPED = new Set(['node_modules', 'dist', 'local', '.retention', 'cdk.out']);
const INPUT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'cdk.json'];
/** Cached syntheses kept (the newest); older ones are removed. */
const KEEP = 3;

const SYNTH_CACHE_ROOT = join(PROJECT_ROOT, '.retention', 'synth-cache');

export function synthCacheEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.RETENTION_SYNTH_CACHE !== '0';
}

/** The cache key of the current sources and `context`. */
export function synthInputsHash(context: Record<string, unknown>): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(context));
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (SKIPPED.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile())
        hash
          .update(`${relative(PROJECT_ROOT, path)}\0`)
          .update(readFileSync(path))
          .update('\0');
    }
  };
  for (const dir of INPUT_DIRS) if (existsSync(join(PROJECT_ROOT, dir))) visit(join(PROJECT_ROOT, dir));
  for (const file of INPUT_FILES) {
    const path = join(PROJECT_ROOT, file);
    if (existsSync(path)) hash.update(`${file}\0`).update(readFileSync(path)).update('\0');
  }
  return hash.digest('hex').slice(0, 24);
}

interface CachedStacks {
  stacks: { stackName: string; template: CfnTemplate }[];
}

/** The product app's stacks, from the cache or synthesized into it. */
export async function synthesizeProductCached(
  context: Record<string, unknown>,
): Promise<{ stacks: SynthesizedStack[]; cached: boolean }> {
  const key = synthInputsHash(context);
  const dir = join(SYNTH_CACHE_ROOT, key);
  const index = join(dir, 'stacks.json');
  if (existsSync(index)) {
    const cached = JSON.parse(readFileSync(index, 'utf8')) as CachedStacks;
    return { stacks: cached.stacks.map((s) => ({ ...s, outdir: dir })), cached: true };
  }
  mkdirSync(SYNTH_CACHE_ROOT, { recursive: true });
  // Synthesize beside the final place, then rename: a concurrent run never sees half a synthesis.
  const building = `${dir}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const stacks = await synthesize({ outdir: building, context });
    const cached: CachedStacks = { stacks: stacks.map(({ stackName, template }) => ({ stackName, template })) };
    writeFileSync(join(building, 'stacks.json'), JSON.stringify(cached));
    try {
      renameSync(building, dir);
    } catch {
      // Another run finished the same synthesis first: use theirs.
      if (!existsSync(index)) throw new Error(`could not store the synthesis in ${dir}`);
    }
    prune();
    return { stacks: stacks.map((s) => ({ ...s, outdir: dir })), cached: false };
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

function prune(): void {
  for (const name of readdirSync(SYNTH_CACHE_ROOT).filter((n) => n.includes('.building-'))) {
    // Left by a run that died while synthesizing.
    const path = join(SYNTH_CACHE_ROOT, name);
    if (Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
  const entries = readdirSync(SYNTH_CACHE_ROOT)
    .filter((name) => !name.includes('.building-'))
    .map((name) => ({ path: join(SYNTH_CACHE_ROOT, name), at: statSync(join(SYNTH_CACHE_ROOT, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const old of entries.slice(KEEP)) rmSync(old.path, { recursive: true, force: true });
}
