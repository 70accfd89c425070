/**
 * The `hrtem` command line. Each subcommand lives in its own file and registers itself on the
 * program; this file wires them together and turns input errors into one line on stderr.
 */
import { Command, CommanderError } from 'commander';
import { InputError } from '../core/errors.js';
import { registerCtfCommand } from './ctf-command.js';
import { registerImagesCommand } from './images-command.js';
import { registerPredictShiftCommand } from './predict-shift-command.js';
import { registerSegmentationCommand } from './segmentation-command.js';
import { registerShowCommand } from './show-command.js';
import { registerSimulateCommand } from './simulate-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerStructureCommand } from './structure-command.js';
import { registerSweepCommand } from './sweep-command.js';
import { readPackageVersion } from './version.js';
import { registerWorkerCommand } from './worker-command.js';

/** Builds the `hrtem` program with every subcommand registered. */
export function buildProgram(): Command {
  const program = new Command('hrtem')
    .description(
      'HRTEM simulation, segmentation and out-of-distribution sweeps.\n' +
        'Units: energies in eV, lengths in Å, angles in rad unless an option name says otherwise.\n' +
        'Defocus = −C10; positive defocus is underfocus.',
    )
    .version(readPackageVersion())
    .showHelpAfterError(false)
    .exitOverride();
  registerCtfCommand(program);
  registerSimulateCommand(program);
  registerSweepCommand(program);
  registerStatusCommand(program);
  registerPredictShiftCommand(program);
  registerStructureCommand(program);
  registerSegmentationCommand(program);
  registerImagesCommand(program);
  registerShowCommand(program);
  registerWorkerCommand(program);
  return program;
}

/**
 * Runs the CLI and returns the process exit code. Bad input (RangeError, TypeError from our
 * validation, InputError, or a usage error) prints one line without a stack trace; set
 * HRTEM_DEBUG=1 to see the stack.
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // A command that ran but did not fully succeed (a sweep with failed tasks) says so through
  // process.exitCode; it is returned here (the caller assigns our result to it) and restored, so
  // one command's code never leaks into the next call in the same process.
  const outer = process.exitCode;
  process.exitCode = undefined;
  try {
    refuseRepeatedOptions(program, argv);
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    return reportError(error);
  } finally {
    process.exitCode = outer;
  }
}

/**
 * Commander keeps the last value of an option given twice; a repeated flag is more often a
 * mistake (two defocus values pasted into one command), so it is refused unless the option
 * collects values (variadic or with an array default, like `--val`).
 * @throws InputError naming the flag and the values given
 */
function refuseRepeatedOptions(program: Command, argv: readonly string[]): void {
  const command = program.commands.find(
    (c) => c.name() === argv[0] || c.aliases().includes(argv[0]),
  );
  if (!command) return;
  const seen = new Map<string, string[]>();
  for (let i = 1; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') break;
    if (!token.startsWith('-')) continue;
    // `--name=value`, or a short flag with its value attached (`-n3`).
    const short = !token.startsWith('--') && token.length > 2;
    const [name, inline] = short ? [token.slice(0, 2), token.slice(2)] : token.split(/=(.*)/s, 2);
    const option = command.options.find((o) => o.long === name || o.short === name);
    if (!option || option.variadic || Array.isArray(option.defaultValue)) continue;
    const key = option.long ?? option.short ?? name;
    const takesValue = option.required || option.optional;
    let value = inline ?? '';
    if (inline === undefined && option.required && i + 1 < argv.length) {
      // The next token is this option's value even when it looks like a flag (`--out -n`).
      value = argv[i + 1];
      i++;
    } else if (inline === undefined && takesValue && i + 1 < argv.length) {
      if (!argv[i + 1].startsWith('-')) {
        value = argv[i + 1];
        i++;
      }
    }
    seen.set(key, [...(seen.get(key) ?? []), value]);
  }
  for (const [flag, values] of seen) {
    if (values.length > 1) {
      const shown = values.some((v) => v !== '')
        ? ` (${values.map((v) => `'${v}'`).join(', ')})`
        : '';
      throw new InputError(`${flag} is given ${values.length} times${shown}; give it once`);
    }
  }
}

const FILE_ERRORS = new Map([
  ['ENOENT', 'no such file or folder'],
  ['EACCES', 'permission denied'],
  ['EISDIR', 'is a folder, not a file'],
  ['ENOTDIR', 'a part of the path is not a folder'],
  ['EROFS', 'read-only file system'],
  ['ENOSPC', 'no space left on the device'],
]);

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help text).
    return error.exitCode === 0 ? 0 : 2;
  }
  const debug = process.env.HRTEM_DEBUG === '1';
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (error instanceof Error && typeof code === 'string' && FILE_ERRORS.has(code)) {
    // A missing or unreadable file named on the command line is bad input, not a crash.
    const path = (error as NodeJS.ErrnoException).path;
    console.error(
      `hrtem: error: cannot read or write ${path ?? 'a file'}: ${FILE_ERRORS.get(code)} (${code})`,
    );
    if (debug) console.error(error.stack);
    return 2;
  }
  if (error instanceof InputError || error instanceof RangeError || error instanceof TypeError) {
    console.error(`hrtem: error: ${error.message}`);
    if (debug) console.error(error.stack);
    return 2;
  }
  console.error(`hrtem: internal error: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof Error) console.error(error.stack);
  return 1;
}
