/**
 * `hrtem show`: renders a grid of a dataset's images, masks and the CTFs they were formed under
 * to one PNG.
 */
import { type Command, Option } from 'commander';
import { writeFileAtomic } from '../core/atomic-write.js';
import { InputError } from '../core/errors.js';
import { DatasetReader, renderPreviewGrid, SPLITS, type SplitName } from '../dataset/index.js';
import { numberOption } from './options.js';

/** Registers `hrtem show` on the program. */
export function registerShowCommand(program: Command): void {
  program
    .command('show')
    .description(
      'Render the first images of a dataset split as rows of (image, mask, CTF A·E·sin χ) panels to a PNG. ' +
        'Image: min–max scaled. Mask: white = particle. CTF: zero frequency at the centre, mid-grey = 0.',
    )
    .requiredOption('--dataset <dir>', 'dataset folder written by hrtem images')
    .requiredOption('--out <file>', 'PNG file to write')
    .option('--split <name>', `split to show (${SPLITS.join(', ')})`, 'train')
    .addOption(
      new Option('--count <n>', 'number of images (rows)')
        .default(6)
        .argParser(numberOption('--count', '')),
    )
    .action(async (options: { dataset: string; out: string; split: string; count: number }) => {
      if (!(SPLITS as readonly string[]).includes(options.split)) {
        throw new InputError(`--split must be one of ${SPLITS.join(', ')}, got '${options.split}'`);
      }
      const reader = DatasetReader.open(options.dataset);
      const png = await renderPreviewGrid(reader, options.split as SplitName, options.count);
      writeFileAtomic(options.out, png);
      console.log(`wrote ${options.out}`);
    });
}
