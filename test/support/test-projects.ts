/**
 * Which vitest project a test file runs in, read from what it starts: the values it imports,
 * and those of the test helpers it imports (followed to the end, inside test/).
 *
 *   browser   headless Chromium
 *   emulated  AWS emulators, the local cloud, a CDK synthesis, or a child process (the CLI)
 *   unit      none of these: plain inputs in, plain results out, in seconds
 *
 * A new test file lands in the right project by what it imports: there is no list to keep.
 * Import declarations are read at the start of a line, as Prettier writes them, so an
 * import quoted inside a string or a comment never counts; `import type` starts nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

type TestProject = 'unit' | 'emulated' | 'browser';

/** A value import: the module and the names it binds (`*` for a default or namespace import). */
interface ValueImport {
  readonly module: string;
  readonly names: readonly string[];
}

/** What a file of each heavy project imports (the first match wins, in this order). */
const STARTS: Record<Exclude<TestProject, 'unit'>, (i: ValueImport) => boolean> = {
  browser: (i) => i.module === 'playwright-core',
  emulated: (i) =>
    i.module === 'node:child_process' ||
    (i.module === 'aws-cdk-lib' && i.names.includes('App')) ||
    i.names.some((name) => ['startEmulators', 'startLocalCloud', 'buildApp'].includes(name)),
};

/** Every `*.test.ts` under `root`/test, as paths relative to `root`, each in its project. */
export function testProjects(root: string): Record<TestProject, string[]> {
  const testDir = resolve(root, 'test');
  const projects: Record<TestProject, string[]> = { unit: [], emulated: [], browser: [] };
  for (const name of readdirSync(testDir, { recursive: true, encoding: 'utf8' }).sort()) {
    if (!name.endsWith('.test.ts')) continue;
    const file = join(testDir, name);
    projects[projectOf(file, testDir)].push(relative(root, file).split(sep).join('/'));
  }
  return projects;
}

/** The file a test helper import names: relative, or through the `#test/*` alias. */
function helperPath(module: string, fromDir: string, testDir: string): string | undefined {
  if (module.startsWith('.')) return resolve(fromDir, module);
  if (module.startsWith('#test/')) return resolve(testDir, module.slice('#test/'.length));
  return undefined;
}

function projectOf(file: string, testDir: string): TestProject {
  const imports: ValueImport[] = [];
  const files = new Set([file]);
  for (const current of files) {
    for (const imported of valueImports(readFileSync(current, 'utf8'))) {
      imports.push(imported);
      const path = helperPath(imported.module, dirname(current), testDir);
      // Helpers only: product code starts something because a test or a helper calls it.
      if (path !== undefined && path.startsWith(testDir + sep) && existsSync(path)) files.add(path);
    }
  }
  if (imports.some(STARTS.browser)) return 'browser';
  if (imports.some(STARTS.emulated)) return 'emulated';
  return 'unit';
}

// An import clause holds no quote or semicolon: a match never runs into the next statement.
const IMPORT = /^import\s+(?:(type)\s+)?(?:([^;'"]*?)\s+from\s+)?'([^']+)';?$/gm;

function valueImports(source: string): ValueImport[] {
  const found: ValueImport[] = [];
  for (const [, typeOnly, clause = '', module] of source.matchAll(IMPORT)) {
    if (typeOnly || module === undefined) continue;
    const braces = /\{([\s\S]*)\}/.exec(clause);
    const named = (braces?.[1] ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry && !entry.startsWith('type '))
      .map((entry) => entry.replace(/\s+as\s+[\s\S]*$/, '')); // the name before ` as `
    const whole = clause
      .replace(/\{[\s\S]*\}/, '')
      .replace(/,/g, '')
      .trim();
    found.push({ module, names: whole ? ['*', ...named] : named });
  }
  return found;
}
