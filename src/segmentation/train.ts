/**
 * Training and evaluation of a U-Net on in-memory datasets or streamed sources (dataset shards
 * read one batch at a time, see `dataset-source.ts`).
 *
 * Loss: pixel-mean cross-entropy of the head's probabilities (softmax head: categorical over the
 * two channels; sigmoid head: binary), probabilities clipped to [1e-7, 1 − 1e-7]; the model ends
 * in its activation and the loss takes probabilities, so no activation is applied twice. An
 * optional soft-Dice term, `diceWeight · (1 − Dice)`, is added over the whole batch.
 * Each epoch shuffles the training images (seeded) and draws one dihedral transform per image
 * per epoch; all randomness comes from `options.seed`.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError, requireInteger, requirePositive } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import {
  assembleBatch,
  isSource,
  type LabelledData,
  permutation,
  type SegmentationData,
  type SegmentationSource,
  validateData,
  validateLabelled,
} from './data.js';
import {
  type Confusion,
  computeMetrics,
  type MetricsReport,
  metricsFromConfusion,
  PROBABILITY_EPSILON,
  type SegmentationMetrics,
} from './metrics.js';
import { type ModelInfo, saveModel } from './model-io.js';
import { predict } from './predict.js';
import type { UNet } from './unet.js';

/** Progress event of a training run. */
export interface TrainingProgress {
  stage: 'train' | 'validate';
  /** Batches done in this run (train) or datasets evaluated this epoch (validate). */
  done: number;
  total: number;
  /** 1-based epoch. */
  epoch: number;
  /** Loss of the latest batch (train). */
  loss?: number;
}

/** Options of `trainModel`. */
export interface TrainingOptions {
  /** Passes over the training set, integer ≥ 1 (default 10). */
  epochs?: number;
  /** Images per step, integer ≥ 1 (default 8). */
  batchSize?: number;
  /** 'adam' (default) or 'sgd' (with momentum). */
  optimizer?: 'adam' | 'sgd';
  /** Initial learning rate (default 1e-3). */
  learningRate?: number;
  /** SGD momentum in [0, 1) (default 0.9). */
  momentum?: number;
  /** Learning rate is multiplied by this after every epoch, in (0, 1] (default 1). */
  learningRateDecay?: number;
  /** Weight of the soft-Dice term, ≥ 0 (default 0). */
  diceWeight?: number;
  /** Random dihedral (8-fold) augmentation (default true). */
  augment?: boolean;
  /** Seed of shuffling, augmentation and dropout masks (default 0). */
  seed?: number;
  /** Named validation datasets (in memory or streamed), evaluated after every epoch. */
  validation?: Record<string, LabelledData>;
  /** Folder for checkpoints: `last/` after every epoch, `best/` by first validation loss. */
  checkpointDir?: string;
  /** Stored in checkpoint metadata. */
  modelInfo?: ModelInfo;
  /** Stop after this many epochs without improvement of the first validation loss. */
  earlyStoppingPatience?: number;
  onProgress?: (event: TrainingProgress) => void;
  /** Called after each epoch with its record (for live learning curves). */
  onEpoch?: (record: EpochRecord) => void;
}

/** One epoch of the learning curves. */
export interface EpochRecord {
  epoch: number;
  learningRate: number;
  /** Mean training loss over the epoch's batches (includes the Dice term if enabled). */
  trainLoss: number;
  /** Metrics of each named validation dataset (pooled over its pixels). */
  validation: Record<string, SegmentationMetrics>;
  /** Wall-clock time of the epoch's training steps, ms. */
  trainMs: number;
  steps: number;
}

/** Result of `trainModel`. */
export interface TrainingHistory {
  epochs: EpochRecord[];
  /** Epoch (1-based) with the lowest first-validation loss, or the last epoch. */
  bestEpoch: number;
  /** Why training ended: 'completed' or 'early-stopping'. */
  stopReason: 'completed' | 'early-stopping';
}

/** Training produced a non-finite loss; the model holds the last good weights. */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
  constructor(
    message: string,
    /** Epoch records completed before divergence. */
    readonly history: EpochRecord[],
  ) {
    super(message);
  }
}

/**
 * The training loss on the head's probabilities (see module doc): a function of (one-hot or 0/1
 * targets, probabilities) giving the batch-mean cross-entropy in nats per pixel, plus
 * `diceWeight · (1 − soft Dice)` of the particle channel (smoothing 1 pixel).
 */
export function segmentationLoss(head: UNet['config']['head'], diceWeight = 0) {
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const p = tf.clipByValue(yPred, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
      const ce =
        head === 'softmax'
          ? tf.neg(tf.mean(tf.sum(tf.mul(yTrue, tf.log(p)), -1)))
          : tf.neg(
              tf.mean(
                tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p)))),
              ),
            );
      // Clipping maps NaN into range on some backends; 0·Σp keeps a NaN/Inf output visible.
      const guarded = tf.add(ce, tf.mul(0, tf.sum(yPred)));
      if (diceWeight === 0) return guarded;
      const last = yPred.shape.length - 1;
      const fg = head === 'softmax' ? tf.gather(yPred, [1], last) : yPred;
      const truth = head === 'softmax' ? tf.gather(yTrue, [1], last) : yTrue;
      const dice = tf.div(
        tf.add(tf.mul(2, tf.sum(tf.mul(fg, truth))), 1),
        tf.add(tf.add(tf.sum(fg), tf.sum(truth)), 1),
      );
      return tf.add(guarded, tf.mul(diceWeight, tf.sub(1, dice)));
    });
}

function targets(masks: Uint8Array, head: UNet['config']['head']): Float32Array {
  if (head === 'sigmoid') return Float32Array.from(masks);
  const out = new Float32Array(masks.length * 2);
  for (let i = 0; i < masks.length; i++) out[2 * i + masks[i]] = 1;
  return out;
}

function resolveOptions(options: TrainingOptions) {
  const o = {
    epochs: options.epochs ?? 10,
    batchSize: options.batchSize ?? 8,
    optimizer: options.optimizer ?? 'adam',
    learningRate: options.learningRate ?? 1e-3,
    momentum: options.momentum ?? 0.9,
    learningRateDecay: options.learningRateDecay ?? 1,
    diceWeight: options.diceWeight ?? 0,
    augment: options.augment ?? true,
    seed: options.seed ?? 0,
  };
  requireInteger('epochs', o.epochs, 1);
  requireInteger('batchSize', o.batchSize, 1);
  requirePositive('learningRate', o.learningRate, '(dimensionless)');
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd') {
    throw new TypeError(`optimizer must be 'adam' or 'sgd', got ${JSON.stringify(o.optimizer)}`);
  }
  if (!(o.momentum >= 0 && o.momentum < 1))
    throw new RangeError(`momentum must be in [0, 1), got ${o.momentum}`);
  if (!(o.learningRateDecay > 0 && o.learningRateDecay <= 1)) {
    throw new RangeError(`learningRateDecay must be in (0, 1], got ${o.learningRateDecay}`);
  }
  if (!(o.diceWeight >= 0)) throw new RangeError(`diceWeight must be ≥ 0, got ${o.diceWeight}`);
  if (options.earlyStoppingPatience !== undefined) {
    requireInteger('earlyStoppingPatience', options.earlyStoppingPatience, 1);
  }
  return o;
}

/** Copies of the model's weights (variables are overwritten in place by the optimizer). */
function snapshot(unet: UNet): tf.Tensor[] {
  return unet.model.getWeights().map((w) => tf.keep(w.clone()));
}

/**
 * Trains a U-Net in place.
 * @param unet model from `createUNet` (or `loadModel` to continue training)
 * @param data training images and masks, (n, h, w), h and w multiples of 2^depth; in memory or a
 *   streamed source (each batch read when needed)
 * @returns learning curves and the best epoch
 * @throws InputError for malformed data (masks not matching images, non-0/1 masks, bad sizes)
 * @throws TrainingDivergedError when a batch loss is NaN or infinite: the model is restored to
 *   the weights after the last completed epoch (the checkpoint `last/` on disk stays)
 */
export async function trainModel(
  unet: UNet,
  data: LabelledData,
  options: TrainingOptions = {},
): Promise<TrainingHistory> {
  const o = resolveOptions(options);
  const multiple = 2 ** unet.config.depth;
  validateLabelled(data, 'training data', { multiple });
  for (const [name, set] of Object.entries(options.validation ?? {})) {
    validateLabelled(set, `validation data "${name}"`);
  }

  const rng = new Rng(o.seed).fork('train');
  const optimizer =
    o.optimizer === 'adam'
      ? tf.train.adam(o.learningRate)
      : tf.train.momentum(o.learningRate, o.momentum);
  unet.model.compile({ optimizer, loss: segmentationLoss(unet.config.head, o.diceWeight) });
  const dropouts = unet.model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as {
    seed: number;
  }[];
  const [n, h, w] = data.shape;
  const channels = unet.config.head === 'softmax' ? 2 : 1;
  const stepsPerEpoch = Math.ceil(n / o.batchSize);
  const totalSteps = stepsPerEpoch * o.epochs;
  const history: EpochRecord[] = [];
  let good = snapshot(unet);
  let best = { epoch: 0, loss: Infinity };
  let stopReason: TrainingHistory['stopReason'] = 'completed';

  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const learningRate = o.learningRate * o.learningRateDecay ** (epoch - 1);
      (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
      const order = permutation(n, rng);
      let lossSum = 0;
      const started = performance.now();
      for (let step = 0; step < stepsPerEpoch; step++) {
        const indices = order.slice(step * o.batchSize, (step + 1) * o.batchSize);
        const batch = assembleBatch(data, indices, o.augment ? rng : null);
        for (const layer of dropouts) layer.seed = rng.nextUint32();
        const x = tf.tensor4d(batch.images, [indices.length, h, w, 1]);
        const y = tf.tensor4d(targets(batch.masks, unet.config.head), [
          indices.length,
          h,
          w,
          channels,
        ]);
        const loss = (await unet.model.trainOnBatch(x, y)) as number;
        tf.dispose([x, y]);
        if (!Number.isFinite(loss)) {
          unet.model.setWeights(good);
          const where = options.checkpointDir
            ? `; checkpoint of epoch ${epoch - 1} kept in ${join(options.checkpointDir, 'last')}`
            : '';
          throw new TrainingDivergedError(
            `training diverged: loss is ${loss} at epoch ${epoch}, batch ${step + 1}; model restored to the weights after epoch ${epoch - 1}${where}. Lower the learning rate (now ${learningRate}) or check the data.`,
            history,
          );
        }
        lossSum += loss;
        const done = (epoch - 1) * stepsPerEpoch + step + 1;
        options.onProgress?.({ stage: 'train', done, total: totalSteps, epoch, loss });
      }
      const trainMs = performance.now() - started;

      const validation: Record<string, SegmentationMetrics> = {};
      const sets = Object.entries(options.validation ?? {});
      for (const [k, [name, set]] of sets.entries()) {
        validation[name] = (await evaluateModel(unet, set, { batchSize: o.batchSize })).pooled;
        options.onProgress?.({ stage: 'validate', done: k + 1, total: sets.length, epoch });
      }
      const record: EpochRecord = {
        epoch,
        learningRate,
        trainLoss: lossSum / stepsPerEpoch,
        validation,
        trainMs,
        steps: stepsPerEpoch,
      };
      history.push(record);
      tf.dispose(good);
      good = snapshot(unet);

      const monitored = sets.length > 0 ? validation[sets[0][0]].loss : record.trainLoss;
      const improved = monitored < best.loss;
      if (improved) best = { epoch, loss: monitored };
      if (options.checkpointDir) {
        const info = { ...options.modelInfo, epoch, history };
        await saveModel(join(options.checkpointDir, 'last'), unet, info);
        if (improved) await saveModel(join(options.checkpointDir, 'best'), unet, info);
      }
      options.onEpoch?.(record);
      const patience = options.earlyStoppingPatience;
      if (patience !== undefined && epoch - best.epoch >= patience) {
        stopReason = 'early-stopping';
        break;
      }
    }
  } finally {
    tf.dispose(good);
    // Each call builds its own optimizer; its moment estimates would otherwise stay allocated.
    optimizer.dispose();
  }
  return { epochs: history, bestEpoch: best.epoch, stopReason };
}

/**
 * Metrics of a model on a labelled dataset: in memory (predicted in one call) or streamed (read,
 * predicted and scored one batch at a time, so only per-image counts are kept).
 * @param options.batchSize images per forward pass, integer ≥ 1 (default 8)
 * @param options.threshold particle probability threshold in [0, 1] (default 0.5)
 * @returns per-image, pooled and mean per-image metrics (see `computeMetrics`)
 * @throws InputError for malformed data
 */
export async function evaluateModel(
  unet: UNet,
  data: LabelledData,
  options: { batchSize?: number; threshold?: number } = {},
): Promise<MetricsReport> {
  if (isSource(data)) return evaluateSource(unet, data, options);
  validateData(data, 'evaluation data', { requireMasks: true });
  if (data.masks === undefined) throw new InputError('evaluation data: masks are required');
  const probability = await predict(unet, data, { batchSize: options.batchSize ?? 8 });
  return computeMetrics(probability, data.masks, data.shape[1] * data.shape[2], options.threshold);
}

async function evaluateSource(
  unet: UNet,
  source: SegmentationSource,
  options: { batchSize?: number; threshold?: number },
): Promise<MetricsReport> {
  validateLabelled(source, 'evaluation data');
  const batchSize = options.batchSize ?? 8;
  const [n, h, w] = source.shape;
  const perImage: SegmentationMetrics[] = [];
  const perImageConfusion: Confusion[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, n - start) }, (_, k) => start + k);
    const batch = assembleBatch(source, indices, null);
    const shape: SegmentationData['shape'] = [indices.length, h, w];
    const probability = await predict(unet, { images: batch.images, shape }, { batchSize });
    const report = computeMetrics(probability, batch.masks, h * w, options.threshold);
    perImage.push(...report.perImage);
    perImageConfusion.push(...report.perImageConfusion);
  }
  return poolReports(perImage, perImageConfusion);
}

/** Pooled and mean metrics of equal-sized images from their per-image metrics and counts. */
function poolReports(perImage: SegmentationMetrics[], confusions: Confusion[]): MetricsReport {
  const pooled: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const c of confusions) {
    pooled.tp += c.tp;
    pooled.fp += c.fp;
    pooled.fn += c.fn;
    pooled.tn += c.tn;
  }
  const keys = ['loss', 'precision', 'recall', 'f1', 'iou', 'accuracy'] as const;
  const mean = { loss: 0, precision: 0, recall: 0, f1: 0, iou: 0, accuracy: 0 };
  for (const m of perImage) for (const key of keys) mean[key] += m[key] / perImage.length;
  // All images have h·w pixels, so the pixel-mean loss is the mean of the per-image losses.
  return {
    perImage,
    perImageConfusion: confusions,
    pooled: metricsFromConfusion(pooled, mean.loss),
    meanPerImage: mean,
  };
}
