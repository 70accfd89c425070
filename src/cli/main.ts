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
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    return reportError(error);
  } finally {
    process.exitCode = outer;
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help text).
    return error.exitCode === 0 ? 0 : 2;
  }
  const debug = process.env.HRTEM_DEBUG === '1';
  if (error instanceof InputError || error instanceof RangeError || error instanceof TypeError) {
    console.error(`hrtem: error: ${error.message}`);
    if (debug) console.error(error.stack);
    return 2;
  }
  console.error(`hrtem: internal error: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof Error) console.error(error.stack);
  return 1;
}
