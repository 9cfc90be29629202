/**
 * `npm run bench [-- name ...] [-- --quick]`: runs every benchmark in bench/ (a file that
 * exports `run(opts)`), or the named ones, one after the other so that they do not
 * compete for the machine's cores. Each benchmark prints its own table with its
 * reference measured in the same run and the ratios; this runner only sequences them.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

export interface BenchOptions {
  /** Smaller sizes, for a quick look (and for checking that a benchmark still runs). */
  quick: boolean;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
// Names, less the values of options such as `--users 1000000` (a benchmark reads its own).
const wanted = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && /^--(?!quick$)/.test(args[i - 1] ?? '')));
const names = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();

if (wanted.length > 0 && names.length !== wanted.length) {
  console.error(`bench: unknown benchmark in ${wanted.join(', ')}; known: ${readdirSync(here).join(', ')}`);
  process.exit(2);
}

console.log(
  `# retention-forest benchmarks — ${new Date().toISOString()} — node ${process.version}, ` +
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB${quick ? ', --quick' : ''}`,
);
let failed = 0;
for (const name of names) {
  console.log(`\n## ${name}`);
  const module = (await import(new URL(`./${name}.ts`, import.meta.url).href)) as {
    run?: (opts: BenchOptions) => Promise<void>;
  };
  if (typeof module.run !== 'function') {
    console.log(`(${name}.ts exports no run(): skipped)`);
    continue;
  }
  try {
    await module.run({ quick });
  } catch (error) {
    failed++;
    console.log(`FAILED: ${(error as Error).stack ?? error}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
