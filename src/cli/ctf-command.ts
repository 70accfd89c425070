import type { Command } from 'commander';

/** Placeholder until the optics module lands. */
export function registerCtfCommand(program: Command): void {
  program.command('ctf').description('contrast transfer function (see issue 2)');
}
