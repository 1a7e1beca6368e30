// `nanoforge` command line: a thin dispatcher over src/inference. Each command lives in
// src/cli/commands/<name>.ts and exports a CliCommand; add it to the table below.
// First, for its side effect: Ctrl-C means one line and exit 130 from the very start.
import './early-interrupt';
import type { CliCommand } from './command';
import { escapeTerminal } from '../inference/safety/text';
import { NANOFORGE_VERSION } from '../inference/version';
import { generateCommand } from './commands/generate';
import { iconsCommand } from './commands/icons';
import { infoCommand } from './commands/info';
import { modelsCommand } from './commands/models';
import { placeholderCommand } from './commands/placeholder';
import { quantizeCommand } from './commands/quantize';
import { variationsCommand } from './commands/variations';
import { errorMessage } from '../inference/errors';

const commands: CliCommand[] = [
  // Commands register here, one import each (generate, variations, placeholder, icons, info, models, quantize).
  generateCommand,
  variationsCommand,
  placeholderCommand,
  iconsCommand,
  infoCommand,
  modelsCommand,
  quantizeCommand,
];

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    printUsage();
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${NANOFORGE_VERSION}\n`);
    return 0;
  }
  // `nanoforge help generate` is `nanoforge generate --help`.
  if (name === 'help' && rest.length > 0) return main([...rest, '--help']);
  if (name === 'help') {
    printUsage();
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`nanoforge: unknown command '${name}'. Commands: ${commands.map((c) => c.name).join(', ')} (nanoforge --help)\n`);
    return 2;
  }
  // `nanoforge generate --help` should not be "Unknown option '--help'"; a command without `help` reads it itself.
  const helpAt = rest.findIndex((a) => a === '--help' || a === '-h');
  if (helpAt >= 0 && command.help) {
    process.stdout.write(command.help(rest.slice(0, helpAt)));
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    // One line, no stack: the CLI promises a plain reason and a non-zero exit code. Messages can
    // quote file names, listed paths or stored text: control characters are shown, not obeyed.
    process.stderr.write(`nanoforge ${name}: ${escapeTerminal(errorMessage(error))}\n`);
    if (process.env.NANOFORGE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

function printUsage(): void {
  const lines = commands.map((c) => `  nanoforge ${c.usage}`);
  process.stdout.write(
    `Usage: nanoforge <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n` +
      'nanoforge <command> --help shows what each option means, its values, its default and examples.\n',
  );
}

// `nanoforge info *.png | head` closes the pipe early: stop quietly, as other CLI tools do, instead of
// an unhandled EPIPE stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`nanoforge: ${escapeTerminal(String(error))}\n`);
    process.exitCode = 1;
  },
);
