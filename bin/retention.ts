/**
 * The `retention` command line: thin dispatch to one file a command in bin/commands/.
 * A command file exports `command: Command` (see cli-kit.ts); adding a file adds a command.
 */
import { readdirSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';
import { EXIT_FAILED, EXIT_USAGE, UsageError, parseCommandArgs, type Command } from './cli-kit.ts';

// Node strips the types of and compiles every module a command loads at each start (~0.2 s
// of CPU for extract, a tenth of a big week's run): its compile cache, kept in the OS temp
// folder and checked against each file's content, skips both on later starts.
enableCompileCache();

const commandsDir = fileURLToPath(new URL('./commands/', import.meta.url));

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.includes('.test.'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function loadCommand(name: string): Promise<Command> {
  const module = (await import(new URL(`./commands/${name}.ts`, import.meta.url).href)) as { command: Command };
  return module.command;
}

async function printOverview(): Promise<void> {
  const lines = ['usage: retention <command> [options]', '', 'commands:'];
  for (const name of commandNames()) lines.push(`  ${name.padEnd(10)} ${(await loadCommand(name)).summary}`);
  lines.push('', "retention <command> --help shows a command's options.");
  console.log(lines.join('\n'));
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    await printOverview();
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (!commandNames().includes(name)) {
    console.error(`retention: unknown command "${name}"; try: ${commandNames().join(', ')}`);
    return EXIT_USAGE;
  }
  const command = await loadCommand(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage.trimEnd());
    return 0;
  }
  try {
    return await command.run(parseCommandArgs(command, rest));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`retention ${name}: ${error.message}`);
      return EXIT_USAGE;
    }
    console.error(`retention ${name}: ${(error as Error).message}`);
    if (process.env.RETENTION_DEBUG) console.error(error);
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
