/**
 * `hrtem train`, `hrtem evaluate` and `hrtem segment`: U-Net training on .npy image/mask stacks,
 * evaluation on labelled stacks, and tiled inference on images of any size.
 */
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { writeFileAtomic } from '../core/atomic-write.js';
import { InputError } from '../core/errors.js';
import { writeNpy } from '../core/npy.js';
import {
  type BackendName,
  countParameters,
  createUNet,
  DEFAULT_UNET,
  evaluateModel,
  GPU_UNET,
  initBackend,
  loadModel,
  predictTiled,
  readImageStack,
  readMaskStack,
  type SegmentationData,
  saveModel,
  trainModel,
  type UNetConfig,
} from '../segmentation/index.js';

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

/** Parses `name=images.npy:masks.npy`. */
function parseValidation(spec: string): [string, SegmentationData] {
  const match = /^([^=]+)=([^:]+):(.+)$/.exec(spec);
  if (!match) {
    throw new InputError(
      `--val must look like name=images.npy:masks.npy, got ${JSON.stringify(spec)}`,
    );
  }
  return [match[1], readLabelled(match[2], match[3])];
}

function progressBar(label: string) {
  return new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {status}`,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
}

interface TrainFlags {
  images: string;
  masks: string;
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

async function runTrain(flags: TrainFlags): Promise<void> {
  const data = readLabelled(flags.images, flags.masks);
  const validation = Object.fromEntries(flags.val.map(parseValidation));
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
      `${data.shape[0]} training images of ${data.shape[1]}×${data.shape[2]} px`,
  );
  const bar = progressBar('train');
  let started = false;
  const history = await trainModel(unet, data, {
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    learningRate: flags.lr,
    learningRateDecay: flags.lrDecay,
    optimizer: flags.optimizer,
    diceWeight: flags.dice,
    augment: flags.augment,
    seed: flags.seed,
    validation,
    checkpointDir: join(flags.out, 'checkpoints'),
    modelInfo: { domain: flags.domain, trainingImages: flags.images, trainingMasks: flags.masks },
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
  bar.stop();
  await saveModel(flags.out, unet, {
    domain: flags.domain,
    trainingImages: flags.images,
    trainingMasks: flags.masks,
    bestEpoch: history.bestEpoch,
  });
  writeFileAtomic(join(flags.out, 'history.json'), `${JSON.stringify(history, null, 2)}\n`);
  console.log(
    `model written to ${flags.out} (history.json, best epoch ${history.bestEpoch} in checkpoints/best)`,
  );
}

async function runEvaluate(flags: {
  model: string;
  images: string;
  masks: string;
  out?: string;
  threshold: number;
  backend: BackendName;
}): Promise<void> {
  const data = readLabelled(flags.images, flags.masks);
  console.log((await initBackend(flags.backend)).text);
  const unet = await loadModel(flags.model);
  const report = await evaluateModel(unet, data, { threshold: flags.threshold });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (flags.out) writeFileAtomic(flags.out, text);
  const p = report.pooled;
  console.log(
    `loss ${p.loss.toFixed(4)} F1 ${p.f1.toFixed(4)} IoU ${p.iou.toFixed(4)} precision ` +
      `${p.precision.toFixed(4)} recall ${p.recall.toFixed(4)} accuracy ${p.accuracy.toFixed(4)}`,
  );
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
  const { images, shape } = readImageStack(flags.image);
  console.log((await initBackend(flags.backend)).text);
  const unet = await loadModel(flags.model);
  const [n, h, w] = shape;
  const probability = new Float32Array(n * h * w);
  const bar = progressBar('segment');
  bar.start(n, 0, { status: '' });
  for (let k = 0; k < n; k++) {
    const one = images.subarray(k * h * w, (k + 1) * h * w);
    const p = await predictTiled(unet, one, h, w, { tile: flags.tile, overlap: flags.overlap });
    probability.set(p, k * h * w);
    bar.update(k + 1);
  }
  bar.stop();
  const outShape = shape[0] === 1 ? [h, w] : [n, h, w];
  writeNpy(flags.out, { dtype: '<f4', shape: outShape, data: probability });
  if (flags.maskOut) {
    const mask = Uint8Array.from(probability, (v) => (v > flags.threshold ? 1 : 0));
    writeNpy(flags.maskOut, { dtype: '|u1', shape: outShape, data: mask });
  }
  console.log(
    `particle probability written to ${flags.out}${flags.maskOut ? `, mask to ${flags.maskOut}` : ''}`,
  );
}

const BACKEND_HELP = 'auto (tfjs-node if installed, else wasm), wasm, cpu or tensorflow';

/** Registers `train`, `evaluate` and `segment` on the program. */
export function registerSegmentationCommand(program: Command): void {
  program
    .command('train')
    .description(
      'train a U-Net on .npy images (float32/uint8/uint16, (n, h, w)) and 0/1 uint8 masks',
    )
    .requiredOption('--images <file>', 'training images .npy')
    .requiredOption('--masks <file>', 'training masks .npy (uint8 0/1, same shape)')
    .requiredOption('--out <dir>', 'model folder to write')
    .option('--val <name=images:masks>', 'named validation set (repeatable)', collect, [])
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
    .description('metrics of a model on labelled .npy images (JSON)')
    .requiredOption('--model <dir>', 'model folder')
    .requiredOption('--images <file>', 'images .npy')
    .requiredOption('--masks <file>', 'masks .npy')
    .option('--out <file>', 'write the per-image and pooled metrics as JSON')
    .option('--threshold <p>', 'particle probability threshold', number('threshold'), 0.5)
    .option('--backend <name>', BACKEND_HELP, 'auto')
    .action(runEvaluate);

  program
    .command('segment')
    .description('particle probability (and mask) of .npy images of any size, by overlapping tiles')
    .requiredOption('--model <dir>', 'model folder')
    .requiredOption('--image <file>', 'image(s) .npy, (h, w) or (n, h, w)')
    .requiredOption('--out <file>', 'probability .npy (float32) to write')
    .option('--mask-out <file>', 'also write the thresholded mask .npy (uint8)')
    .option('--threshold <p>', 'particle probability threshold', number('threshold'), 0.5)
    .option('--tile <px>', 'tile side (multiple of 2^depth)', number('tile'), 256)
    .option('--overlap <px>', 'tile overlap (multiple of 2^depth)', number('overlap'), 64)
    .option('--backend <name>', BACKEND_HELP, 'auto')
    .action(runSegment);
}
