/**
 * `hrtem train`, `hrtem evaluate` and `hrtem segment`: U-Net training on .npy image/mask stacks
 * or a dataset folder (streamed from its shards), evaluation on one or more labelled datasets
 * (JSON and CSV), and tiled inference on PNG, TIFF or .npy images of any size (probability,
 * masks and overlay PNGs).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { writeFileAtomic } from '../core/atomic-write.js';
import { InputError } from '../core/errors.js';
import { writeNpy } from '../core/npy.js';
import { Rng } from '../core/rng.js';
import { DATASET_MANIFEST, DatasetReader, SPLITS, type SplitName } from '../dataset/index.js';
import {
  type BackendName,
  bootstrapIntervals,
  countParameters,
  createUNet,
  DEFAULT_UNET,
  datasetSource,
  evaluateModel,
  GPU_UNET,
  initBackend,
  type LabelledData,
  loadModel,
  type ModelInfo,
  normalisationOf,
  predictTiled,
  readImageStack,
  readImages,
  readMaskStack,
  type SegmentationData,
  SUPPORTED_IMAGE_INPUT,
  saveModel,
  trainModel,
  type UNetConfig,
  writeMaskPng,
  writeOverlayPng,
} from '../segmentation/index.js';
import { progressTime, requireOutputPath } from './options.js';

function number(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw new InputError(`--${name} must be a number, got ${value}`);
    return parsed;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function readLabelled(images: string, masks: string): SegmentationData {
  const stack = readImageStack(images);
  return { ...stack, masks: readMaskStack(masks, stack.shape) };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function parseSplit(value: string): SplitName {
  if (!(SPLITS as readonly string[]).includes(value)) {
    throw new InputError(`--split must be one of ${SPLITS.join(', ')}, got ${value}`);
  }
  return value as SplitName;
}

/** A dataset folder's split as a streamed source, with the facts stored in model metadata. */
function openDataset(dir: string, split: SplitName) {
  const reader = DatasetReader.open(dir);
  const manifestBytes = readFileSync(join(dir, DATASET_MANIFEST));
  return {
    reader,
    source: datasetSource(reader, split, dir),
    manifestHash: createHash('sha256').update(manifestBytes).digest('hex'),
  };
}

/**
 * Parses `name=images.npy:masks.npy` or `name=DIR` (a dataset folder's val split; for another
 * split of a dataset folder, build a dataset whose val split holds it).
 */
function parseValidation(spec: string): [string, LabelledData] {
  const folder = /^([^=]+)=(.+)$/.exec(spec);
  if (folder && isDirectory(folder[2])) return [folder[1], openDataset(folder[2], 'val').source];
  const match = /^([^=]+)=([^:]+):(.+)$/.exec(spec);
  if (!match) {
    throw new InputError(
      `--val must look like name=images.npy:masks.npy or name=DATASET_DIR, got ${JSON.stringify(spec)}`,
    );
  }
  return [match[1], readLabelled(match[2], match[3])];
}

function progressBar(label: string) {
  return new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {status}`,
      formatTime: progressTime,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
}

interface TrainFlags {
  images?: string;
  masks?: string;
  dataset?: string;
  out: string;
  val: string[];
  preset: 'default' | 'gpu';
  depth?: number;
  filters?: number;
  block?: UNetConfig['block'];
  head?: UNetConfig['head'];
  dropout?: number;
  batchNorm: boolean;
  epochs: number;
  batchSize: number;
  lr: number;
  lrDecay: number;
  optimizer: 'adam' | 'sgd';
  dice: number;
  augment: boolean;
  patience?: number;
  seed: number;
  domain?: string;
  backend: BackendName;
}

/**
 * Training data from --images/--masks (in memory) or --dataset (streamed train split, its val
 * split first among the validation sets), and what the model metadata records about it.
 */
function trainingInput(flags: TrainFlags): {
  data: LabelledData;
  validation: [string, LabelledData][];
  info: ModelInfo;
} {
  const npy = flags.images !== undefined || flags.masks !== undefined;
  if (npy === (flags.dataset !== undefined)) {
    throw new InputError('give either --images and --masks, or --dataset, not both or neither');
  }
  const extra = flags.val.map(parseValidation);
  if (flags.dataset === undefined) {
    if (flags.images === undefined || flags.masks === undefined) {
      throw new InputError('--images and --masks go together; give both');
    }
    const info: ModelInfo = {
      domain: flags.domain,
      trainingImages: flags.images,
      trainingMasks: flags.masks,
      normalisation: { method: 'per-image-standardize', appliedBy: 'reader' },
    };
    return { data: readLabelled(flags.images, flags.masks), validation: extra, info };
  }
  const { reader, source, manifestHash } = openDataset(flags.dataset, 'train');
  const manifest = reader.manifest;
  const validation: [string, LabelledData][] =
    reader.count('val') > 0 ? [['val', datasetSource(reader, 'val', flags.dataset)]] : [];
  const info: ModelInfo = {
    domain: flags.domain ?? manifest.domain.name,
    datasetHash: manifestHash,
    domainSpec: manifest.domain,
    normalisation: normalisationOf(reader),
    trainingDataset: { dir: flags.dataset, name: manifest.name, split: 'train' },
  };
  return { data: source, validation: [...validation, ...extra], info };
}

async function runTrain(flags: TrainFlags): Promise<void> {
  requireOutputPath('--out', flags.out, 'dir');
  if (!Number.isInteger(flags.seed) || flags.seed < 0) {
    throw new RangeError(`--seed must be an integer ≥ 0, got ${flags.seed}`);
  }
  const { data, validation, info } = trainingInput(flags);
  const names = validation.map(([name]) => name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) {
    throw new InputError(
      `validation set name ${JSON.stringify(repeated)} is used twice (--dataset adds its val split as "val"); ` +
        'give each --val a distinct name',
    );
  }
  const base = flags.preset === 'gpu' ? GPU_UNET : flags.preset === 'default' ? DEFAULT_UNET : null;
  if (!base) throw new InputError(`--preset must be default or gpu, got ${flags.preset}`);
  const description = await initBackend(flags.backend);
  console.log(description.text);
  const overrides: Partial<UNetConfig> = { seed: flags.seed, batchNorm: flags.batchNorm };
  if (flags.depth !== undefined) overrides.depth = flags.depth;
  if (flags.filters !== undefined) overrides.baseFilters = flags.filters;
  if (flags.block !== undefined) overrides.block = flags.block;
  if (flags.head !== undefined) overrides.head = flags.head;
  if (flags.dropout !== undefined) overrides.dropout = flags.dropout;
  const unet = createUNet({ ...base, ...overrides });
  console.log(
    `U-Net ${JSON.stringify(unet.config)}: ${countParameters(unet.model)} weights; ` +
      `${data.shape[0]} training images of ${data.shape[1]}×${data.shape[2]} px` +
      (flags.dataset ? ` streamed from ${flags.dataset}` : ''),
  );
  const bar = progressBar('train');
  let started = false;
  let history: Awaited<ReturnType<typeof trainModel>>;
  try {
    history = await trainModel(unet, data, {
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      learningRate: flags.lr,
      learningRateDecay: flags.lrDecay,
      optimizer: flags.optimizer,
      diceWeight: flags.dice,
      augment: flags.augment,
      seed: flags.seed,
      validation: Object.fromEntries(validation),
      checkpointDir: join(flags.out, 'checkpoints'),
      modelInfo: info,
      earlyStoppingPatience: flags.patience,
      onProgress: (event) => {
        if (event.stage !== 'train') return;
        if (!started) {
          bar.start(event.total, event.done, { status: '' });
          started = true;
        }
        bar.update(event.done, { status: `epoch ${event.epoch} loss ${event.loss?.toFixed(4)}` });
      },
      onEpoch: (record) => {
        const curves = Object.entries(record.validation)
          .map(([name, m]) => `${name}: loss ${m.loss.toFixed(4)} F1 ${m.f1.toFixed(3)}`)
          .join('; ');
        bar.stop();
        started = false;
        console.log(
          `epoch ${record.epoch}: train loss ${record.trainLoss.toFixed(4)}${curves ? `; ${curves}` : ''}`,
        );
      },
    });
  } finally {
    // A running bar keeps the process alive: stop it on errors too.
    bar.stop();
  }
  await saveModel(flags.out, unet, { ...info, bestEpoch: history.bestEpoch });
  writeFileAtomic(join(flags.out, 'history.json'), `${JSON.stringify(history, null, 2)}\n`);
  console.log(
    `model written to ${flags.out} (history.json, best epoch ${history.bestEpoch} in checkpoints/best)`,
  );
}

interface EvaluateFlags {
  model: string;
  images: string[];
  masks: string[];
  dataset: string[];
  split: string;
  out?: string;
  csv?: string;
  threshold: number;
  batchSize: number;
  backend: BackendName;
}

/** One dataset to evaluate: a name, where it came from, and how to open its data. */
interface EvaluationInput {
  name: string;
  source: Record<string, string>;
  /** Reads .npy stacks only when their turn comes, so one stack is in memory at a time. */
  open: () => LabelledData;
}

/** Pairs --images/--masks in order and opens each --dataset's split; names are made unique. */
function evaluationInputs(flags: EvaluateFlags, split: SplitName): EvaluationInput[] {
  if (flags.images.length !== flags.masks.length) {
    throw new InputError(
      `--images and --masks pair up in order: got ${flags.images.length} --images and ${flags.masks.length} --masks`,
    );
  }
  if (flags.images.length + flags.dataset.length === 0) {
    throw new InputError('give at least one dataset: --images with --masks, or --dataset DIR');
  }
  const missing = [...flags.images, ...flags.masks].find((path) => !existsSync(path));
  if (missing !== undefined) throw new InputError(`evaluate: file not found: ${missing}`);
  const inputs: EvaluationInput[] = flags.images.map((images, k) => ({
    name: basename(images, extname(images)),
    source: { images, masks: flags.masks[k] },
    open: () => readLabelled(images, flags.masks[k]),
  }));
  for (const dir of flags.dataset) {
    const { reader, source, manifestHash } = openDataset(dir, split);
    inputs.push({
      name: reader.manifest.name ?? basename(dir),
      source: { dataset: dir, split, manifestHash },
      open: () => source,
    });
  }
  const seen = new Map<string, number>();
  for (const input of inputs) {
    const count = (seen.get(input.name) ?? 0) + 1;
    seen.set(input.name, count);
    if (count > 1) input.name = `${input.name}#${count}`;
  }
  return inputs;
}

const CSV_METRICS = ['f1', 'precision', 'recall', 'iou', 'accuracy'] as const;

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV row per dataset: pooled metrics and their bootstrap interval bounds. */
function evaluationCsv(
  rows: { name: string; source: Record<string, string>; result: EvalResult }[],
) {
  const header = [
    'dataset',
    'source',
    'images',
    'loss',
    ...CSV_METRICS.flatMap((m) => [m, `${m}_ci_low`, `${m}_ci_high`]),
    'ci_level',
  ];
  const lines = rows.map(({ name, source, result }) => {
    const p = result.pooled;
    const where = source.dataset ? `${source.dataset} (${source.split})` : source.images;
    return [
      name,
      where,
      result.perImage.length,
      p.loss,
      ...CSV_METRICS.flatMap((m) => [p[m], ...result.intervals[m]]),
      result.intervals.level,
    ]
      .map(csvField)
      .join(',');
  });
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

type EvalResult = Awaited<ReturnType<typeof evaluateModel>> & {
  intervals: ReturnType<typeof bootstrapIntervals>;
};

async function runEvaluate(flags: EvaluateFlags): Promise<void> {
  const split = parseSplit(flags.split);
  requireProbability('--threshold', flags.threshold);
  if (flags.out) requireOutputPath('--out', flags.out, 'file');
  if (flags.csv) requireOutputPath('--csv', flags.csv, 'file');
  const inputs = evaluationInputs(flags, split);
  console.log((await initBackend(flags.backend)).text);
  const unet = await loadModel(flags.model);
  const rows: { name: string; source: Record<string, string>; result: EvalResult }[] = [];
  for (const input of inputs) {
    const report = await evaluateModel(unet, input.open(), {
      threshold: flags.threshold,
      batchSize: flags.batchSize,
    });
    const intervals = bootstrapIntervals(report.perImageConfusion, new Rng(0));
    rows.push({ name: input.name, source: input.source, result: { ...report, intervals } });
    const p = report.pooled;
    console.log(
      `${input.name}: ${report.perImage.length} images; loss ${p.loss.toFixed(4)} F1 ${p.f1.toFixed(4)} ` +
        `[${intervals.f1.map((v) => v.toFixed(4)).join(', ')}] IoU ${p.iou.toFixed(4)} precision ` +
        `${p.precision.toFixed(4)} recall ${p.recall.toFixed(4)} accuracy ${p.accuracy.toFixed(4)}`,
    );
  }
  const json = {
    model: flags.model,
    threshold: flags.threshold,
    datasets: rows.map(({ name, source, result }) => ({ name, source, ...result })),
  };
  if (flags.out) writeFileAtomic(flags.out, `${JSON.stringify(json, null, 2)}\n`);
  const csv = flags.csv ?? (flags.out ? siblingPath(flags.out, '', '.csv') : undefined);
  if (csv) writeFileAtomic(csv, evaluationCsv(rows));
  if (flags.out || csv) {
    console.log(`metrics written to ${[flags.out, csv].filter(Boolean).join(' and ')}`);
  }
}

/** `dir/stem<suffix><ext>` for a path `dir/stem.anything`. */
function siblingPath(path: string, suffix: string, ext: string): string {
  return join(dirname(path), `${basename(path, extname(path))}${suffix}${ext}`);
}

/**
 * Paths of the mask PNG and overlay PNG of image k of n, next to the mask .npy:
 * `mask.png` / `mask-overlay.png`, or `mask-007.png` / `mask-007-overlay.png` in a stack.
 */
function pictureStem(maskNpy: string, k: number, n: number): string {
  const index = n > 1 ? `-${String(k).padStart(Math.max(3, String(n - 1).length), '0')}` : '';
  return siblingPath(maskNpy, index, '');
}

async function runSegment(flags: {
  model: string;
  image: string;
  out: string;
  maskOut?: string;
  threshold: number;
  tile: number;
  overlap: number;
  backend: BackendName;
}): Promise<void> {
  requireProbability('--threshold', flags.threshold);
  requireOutputPath('--out', flags.out, 'file');
  if (flags.maskOut) requireOutputPath('--mask-out', flags.maskOut, 'file');
  const { images, shape, file } = await readImages(flags.image);
  console.log((await initBackend(flags.backend)).text);
  const unet = await loadModel(flags.model);
  const [n, h, w] = shape;
  console.log(
    `${flags.image}: ${file.format.toUpperCase()} ${file.sampleType}, ${file.channels} channel(s), ` +
      `${n} image(s) of ${h}×${w} px`,
  );
  const probability = new Float32Array(n * h * w);
  const bar = progressBar('segment');
  bar.start(n, 0, { status: '' });
  try {
    for (let k = 0; k < n; k++) {
      const one = images.subarray(k * h * w, (k + 1) * h * w);
      const p = await predictTiled(unet, one, h, w, { tile: flags.tile, overlap: flags.overlap });
      probability.set(p, k * h * w);
      bar.update(k + 1);
    }
  } finally {
    // A running bar keeps the process alive: stop it on errors too.
    bar.stop();
  }

  const outShape = n === 1 ? [h, w] : [n, h, w];
  writeNpy(flags.out, { dtype: '<f4', shape: outShape, data: probability });
  const mask = Uint8Array.from(probability, (v) => (v > flags.threshold ? 1 : 0));
  const maskOut = flags.maskOut ?? siblingPath(flags.out, '-mask', '.npy');
  writeNpy(maskOut, { dtype: '|u1', shape: outShape, data: mask });
  for (let k = 0; k < n; k++) {
    const stem = pictureStem(maskOut, k, n);
    const pixels = [k * h * w, (k + 1) * h * w] as const;
    await writeMaskPng(`${stem}.png`, mask.subarray(...pixels), h, w);
    await writeOverlayPng(
      `${stem}-overlay.png`,
      file.values.subarray(...pixels),
      mask.subarray(...pixels),
      h,
      w,
    );
  }
  const pictures = n > 1 ? `${n} mask and overlay PNGs` : 'mask and overlay PNG';
  console.log(
    `particle probability written to ${flags.out}; mask (p > ${flags.threshold}) to ${maskOut}, ${pictures} beside it`,
  );
}

const BACKEND_HELP = 'auto (tfjs-node if installed, else wasm), wasm, cpu or tensorflow';

/** Registers `train`, `evaluate` and `segment` on the program. */
export function registerSegmentationCommand(program: Command): void {
  program
    .command('train')
    .description(
      'train a U-Net on .npy images (float32/uint8/uint16, (n, h, w)) and 0/1 uint8 masks, ' +
        'or on a dataset folder from `hrtem images` (train split, streamed; val split validates)',
    )
    .option('--images <file>', 'training images .npy (with --masks)')
    .option('--masks <file>', 'training masks .npy (uint8 0/1, same shape)')
    .option('--dataset <dir>', 'dataset folder written by `hrtem images` (instead of .npy)')
    .requiredOption('--out <dir>', 'model folder to write')
    .option(
      '--val <name=images:masks|name=dir>',
      'named validation set: .npy pair or a dataset folder (its val split); repeatable',
      collect,
      [],
    )
    .option(
      '--preset <name>',
      'architecture preset: default (CPU) or gpu (~14 M weights)',
      'default',
    )
    .option('--depth <n>', 'down-sampling stages', number('depth'))
    .option('--filters <n>', 'base filters', number('filters'))
    .option('--block <kind>', 'plain or residual')
    .option('--head <kind>', 'softmax (2 classes) or sigmoid (1)')
    .option('--dropout <rate>', 'bottleneck dropout rate', number('dropout'))
    .option('--no-batch-norm', 'disable batch normalisation')
    .option('--epochs <n>', 'epochs', number('epochs'), 10)
    .option('--batch-size <n>', 'images per step', number('batch-size'), 8)
    .option('--lr <rate>', 'learning rate', number('lr'), 1e-3)
    .option('--lr-decay <factor>', 'learning-rate factor per epoch', number('lr-decay'), 1)
    .option('--optimizer <name>', 'adam or sgd (momentum 0.9)', 'adam')
    .option('--dice <weight>', 'weight of the soft-Dice loss term', number('dice'), 0)
    .option('--no-augment', 'disable dihedral augmentation')
    .option('--patience <epochs>', 'early stopping patience', number('patience'))
    .option('--seed <n>', 'seed of initialisation, shuffling and augmentation', number('seed'), 0)
    .option('--domain <name>', 'imaging-domain name stored with the model')
    .option('--backend <name>', BACKEND_HELP, 'auto')
    .action(runTrain);

  program
    .command('evaluate')
    .description(
      'metrics of a model on one or more labelled datasets (JSON and CSV, one row per dataset, ' +
        'with 95% bootstrap intervals)',
    )
    .requiredOption('--model <dir>', 'model folder')
    .option(
      '--images <file>',
      'images .npy, paired in order with --masks (repeatable)',
      collect,
      [],
    )
    .option('--masks <file>', 'masks .npy (repeatable)', collect, [])
    .option('--dataset <dir>', 'dataset folder from `hrtem images` (repeatable)', collect, [])
    .option('--split <name>', 'split of each --dataset: train, val or test', 'test')
    .option('--out <file>', 'write the per-image and pooled metrics of every dataset as JSON')
    .option('--csv <file>', 'write one row per dataset as CSV (default: --out with .csv)')
    .option('--threshold <p>', 'particle probability threshold', number('threshold'), 0.5)
    .option('--batch-size <n>', 'images per forward pass', number('batch-size'), 8)
    .option('--backend <name>', BACKEND_HELP, 'auto')
    .action(runEvaluate);

  program
    .command('segment')
    .description(
      'particle probability, mask and overlay of images of any size, by overlapping tiles; ' +
        'RGB becomes grey by Rec. 709 luma weights',
    )
    .requiredOption('--model <dir>', 'model folder')
    .requiredOption('--image <file>', `image(s): ${SUPPORTED_IMAGE_INPUT}`)
    .requiredOption('--out <file>', 'probability .npy (float32) to write')
    .option(
      '--mask-out <file>',
      'thresholded mask .npy (uint8; default: --out with -mask); its .png and -overlay.png beside it',
    )
    .option('--threshold <p>', 'particle probability threshold', number('threshold'), 0.5)
    .option('--tile <px>', 'tile side (multiple of 2^depth)', number('tile'), 256)
    .option('--overlap <px>', 'tile overlap (multiple of 2^depth)', number('overlap'), 64)
    .option('--backend <name>', BACKEND_HELP, 'auto')
    .action(runSegment);
}

function requireProbability(option: string, value: number): void {
  if (!(value >= 0 && value <= 1)) {
    throw new RangeError(`${option} is a probability and must be in [0, 1], got ${value}`);
  }
}
