/**
 * `hrtem structure SPEC --out DIR -n N --seed S`: samples N random nanoparticle scenes from a YAML
 * or JSON spec into a folder (extended XYZ, Prismatic XYZ and JSON metadata per scene).
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { checkStructureSpec, loadStructureSpec, writeScenes } from '../structures/index.js';
import { requireOutputPath } from './options.js';

function integerOption(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`--${name} must be an integer in [${min}, ${max}], got "${text}"`);
  }
  return value;
}

/** Registers `hrtem structure` on the program. */
export function registerStructureCommand(program: Command): void {
  program
    .command('structure')
    .description(
      'sample random nanoparticle scenes (particles on an amorphous film) from a YAML/JSON spec; ' +
        'writes scene-NNNN.xyz (extended XYZ with labels), scene-NNNN.prismatic.xyz and scene-NNNN.json',
    )
    .argument('<spec>', 'structure spec file (.yaml or .json)')
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .option('-n, --count <n>', 'number of scenes', '1')
    .option('--seed <s>', 'random seed, an integer in [0, 2^32 − 1]', '0')
    .option('--no-progress', 'do not show a progress bar')
    .action(
      (specPath: string, opts: { out: string; count: string; seed: string; progress: boolean }) => {
        const count = integerOption('count', opts.count, 1, 1_000_000);
        const seed = integerOption('seed', opts.seed, 0, 2 ** 32 - 1);
        const spec = loadStructureSpec(specPath);
        requireOutputPath('--out', opts.out, 'dir');
        checkStructureSpec(spec);
        const bar = opts.progress
          ? new SingleBar({
              format: 'structures [{bar}] {value}/{total} scenes | {duration}s',
              noTTYOutput: true,
              notTTYSchedule: 2000,
              stream: process.stderr,
            })
          : null;
        bar?.start(count, 0);
        try {
          writeScenes(spec, opts.out, count, seed, {
            onProgress: ({ done }) => bar?.update(done),
            onWarning: ({ code, message }) => {
              bar?.stop();
              console.error(`hrtem: warning [${code}]: ${message}`);
            },
          });
        } finally {
          bar?.stop();
        }
        console.log(`wrote ${count} scene${count === 1 ? '' : 's'} to ${opts.out} (seed ${seed})`);
      },
    );
}
