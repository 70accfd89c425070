/**
 * `hrtem images`: exit-wave folders + an imaging domain → a dataset folder of image and mask
 * shards (see src/dataset/build.ts for the layout).
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import { InputError } from '../core/errors.js';
import { buildDataset, type Manifest, parseManifest, readManifestFile } from '../dataset/index.js';
import { numberOption, progressTime, requireOutputPath } from './options.js';

/** Registers `hrtem images` on the program. */
export function registerImagesCommand(program: Command): void {
  program
    .command('images')
    .description(
      'Form HRTEM images with masks from exit-wave folders under an imaging domain and write a dataset: ' +
        '<out>/{train,val,test}/images-NNNNN.npy (float32), masks-NNNNN.npy (uint8), samples-NNNNN.json, ' +
        'previews/*.png and manifest.json (written last; a folder without it is unfinished). ' +
        'Give either --manifest FILE, or --domain FILE with --exit-waves DIR... .',
    )
    .option(
      '--manifest <file>',
      'dataset manifest (YAML/JSON): domain, exitWaves, imagesPerStructure, seed, split',
    )
    .option('--domain <file>', 'imaging domain (YAML/JSON)')
    .option('--exit-waves <dirs...>', 'exit-wave folders, one per structure')
    .requiredOption('--out <dir>', 'output dataset folder')
    .addOption(
      new Option('--images-per-structure <n>', 'images drawn per structure')
        .default(1)
        .argParser(numberOption('--images-per-structure', '')),
    )
    .addOption(
      new Option('--seed <n>', 'dataset seed (integer)')
        .default(0)
        .argParser(numberOption('--seed', '')),
    )
    .option('--split <train,val,test>', 'fractions of structures per split', '0.8,0.1,0.1')
    .addOption(
      new Option('--shard-size <n>', 'images per shard file')
        .default(64)
        .argParser(numberOption('--shard-size', '')),
    )
    .addOption(
      new Option('--previews <n>', 'PNG previews of the first training images')
        .default(4)
        .argParser(numberOption('--previews', '')),
    )
    .addOption(
      new Option('--workers <n>', 'worker threads forming images (results do not depend on it)')
        .default(Math.min(4, availableParallelism()))
        .argParser(numberOption('--workers', '')),
    )
    .option('--resume', 'keep the shards of an interrupted build with the same inputs')
    .action(async (options: Record<string, unknown>) => runImages(options));
}

function manifestFromOptions(options: Record<string, unknown>): Manifest {
  const file = options.manifest as string | undefined;
  if (file) {
    if (options.domain || options.exitWaves) {
      throw new InputError('give either --manifest or --domain with --exit-waves, not both');
    }
    return readManifestFile(file);
  }
  if (!options.domain || !options.exitWaves) {
    throw new InputError('give --manifest FILE, or both --domain FILE and --exit-waves DIR...');
  }
  const parts = String(options.split).split(',').map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p))) {
    throw new InputError(`--split expects three fractions train,val,test, got '${options.split}'`);
  }
  return parseManifest(
    {
      domain: resolve(options.domain as string),
      exitWaves: options.exitWaves as string[],
      imagesPerStructure: options.imagesPerStructure,
      seed: options.seed,
      split: { train: parts[0], val: parts[1], test: parts[2] },
      shardSize: options.shardSize,
      previews: options.previews,
    },
    '.',
    'command line',
  );
}

async function runImages(options: Record<string, unknown>): Promise<void> {
  const manifest = manifestFromOptions(options);
  const out = options.out as string;
  requireOutputPath('--out', out, 'dir');
  const bar = new SingleBar({
    format: 'images [{bar}] {value}/{total} {percentage}% eta {eta_formatted}',
    formatTime: progressTime,
    noTTYOutput: true,
    notTTYSchedule: 5000,
    stream: process.stderr,
  });
  let started = false;
  try {
    const result = await buildDataset(manifest, {
      out,
      resume: options.resume === true,
      workers: options.workers as number,
      onProgress: ({ done, total }) => {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.update(done);
      },
      onWarning: ({ code, message }) => console.error(`hrtem: warning [${code}]: ${message}`),
    });
    bar.stop();
    const counts = Object.entries(result.splits)
      .map(([split, s]) => `${split} ${s.count}`)
      .join(', ');
    console.log(`wrote ${out}: ${counts} images of ${result.imageShape.join(' × ')} px`);
  } finally {
    if (started) bar.stop();
  }
}
