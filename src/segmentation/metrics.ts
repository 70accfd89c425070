/**
 * Pixel metrics of a binary segmentation: cross-entropy, precision, recall, F1 (= Dice), IoU and
 * pixel accuracy, per image and aggregated.
 *
 * Empty-mask convention: a ratio whose denominator is zero (e.g. precision with no predicted
 * particle pixels, or F1 when neither truth nor prediction has any particle pixel) is 1 when the
 * image has no error (FP = FN = 0) and 0 otherwise. So an empty prediction of an empty mask scores
 * 1 everywhere, and any false alarm or miss on the empty side scores 0. Never NaN.
 *
 * Aggregation: `pooled` sums TP/FP/FN/TN over all pixels of all images before forming the ratios
 * (micro average); `meanPerImage` averages the per-image values (macro average).
 * `bootstrapIntervals` gives percentile confidence intervals of the pooled ratios by resampling
 * images with replacement (Efron & Tibshirani 1993, ch. 13).
 */
import type { Rng } from '../core/rng.js';

/** Confusion counts of one or more images (pixels). */
export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Metrics of one image or of a set of images. */
export interface SegmentationMetrics {
  /** Mean cross-entropy per pixel (nats) of the particle probability against the mask. */
  loss: number;
  precision: number;
  recall: number;
  /** F1 score, equal to the Dice coefficient. */
  f1: number;
  /** Intersection over union (Jaccard index). */
  iou: number;
  /** Fraction of pixels classified correctly. */
  accuracy: number;
}

/** Per-image metrics and their two aggregates. */
export interface MetricsReport {
  perImage: SegmentationMetrics[];
  /** Confusion counts of each image (for bootstrap intervals). */
  perImageConfusion: Confusion[];
  /** Ratios of pooled counts over all images (micro average); loss is the pixel mean. */
  pooled: SegmentationMetrics;
  /** Mean of per-image metrics (macro average). */
  meanPerImage: SegmentationMetrics;
}

/** Probabilities are clipped to [ε, 1 − ε] before the logarithm, as Keras does. */
export const PROBABILITY_EPSILON = 1e-7;

/**
 * The smallest mean cross-entropy (nats per pixel) the output head can reach on hard 0/1 masks:
 * −ln(1 − ε) ≈ 1.0e-7, for the 2-class softmax and the 1-class sigmoid head alike (probabilities
 * are clipped to [ε, 1 − ε]). Report losses as the excess `loss − MINIMUM_CROSS_ENTROPY`.
 */
export const MINIMUM_CROSS_ENTROPY = -Math.log1p(-PROBABILITY_EPSILON);

function ratio(num: number, den: number, c: Confusion): number {
  if (den > 0) return num / den;
  return c.fp === 0 && c.fn === 0 ? 1 : 0;
}

/** Metrics from confusion counts; `loss` is passed through. */
export function metricsFromConfusion(c: Confusion, loss: number): SegmentationMetrics {
  const total = c.tp + c.fp + c.fn + c.tn;
  return {
    loss,
    precision: ratio(c.tp, c.tp + c.fp, c),
    recall: ratio(c.tp, c.tp + c.fn, c),
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn, c),
    iou: ratio(c.tp, c.tp + c.fp + c.fn, c),
    accuracy: total > 0 ? (c.tp + c.tn) / total : 1,
  };
}

/**
 * Metrics of a batch of particle probabilities against binary masks.
 * @param probability particle probability in [0, 1], shape (n, h, w) row-major
 * @param masks 0 (background) or nonzero (particle), same shape
 * @param pixelsPerImage h·w
 * @param threshold a pixel is predicted particle when probability > threshold (default 0.5)
 * @throws TypeError if the lengths disagree
 * @example
 * computeMetrics(new Float32Array([0.9, 0.1]), new Uint8Array([1, 0]), 2).pooled.f1; // 1
 */
export function computeMetrics(
  probability: Float32Array,
  masks: Uint8Array,
  pixelsPerImage: number,
  threshold = 0.5,
): MetricsReport {
  if (probability.length !== masks.length || probability.length % pixelsPerImage !== 0) {
    throw new TypeError(
      `computeMetrics: probability (${probability.length}) and masks (${masks.length}) must ` +
        `have the same length, a multiple of pixelsPerImage (${pixelsPerImage})`,
    );
  }
  const n = probability.length / pixelsPerImage;
  const perImage: SegmentationMetrics[] = [];
  const perImageConfusion: Confusion[] = [];
  const pooled: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
  let lossSum = 0;
  for (let k = 0; k < n; k++) {
    const c: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
    let loss = 0;
    for (let i = k * pixelsPerImage; i < (k + 1) * pixelsPerImage; i++) {
      const p = Math.min(Math.max(probability[i], PROBABILITY_EPSILON), 1 - PROBABILITY_EPSILON);
      const truth = masks[i] !== 0;
      const predicted = probability[i] > threshold;
      loss -= truth ? Math.log(p) : Math.log(1 - p);
      if (truth) predicted ? c.tp++ : c.fn++;
      else predicted ? c.fp++ : c.tn++;
    }
    lossSum += loss;
    perImage.push(metricsFromConfusion(c, loss / pixelsPerImage));
    perImageConfusion.push(c);
    pooled.tp += c.tp;
    pooled.fp += c.fp;
    pooled.fn += c.fn;
    pooled.tn += c.tn;
  }
  return {
    perImage,
    perImageConfusion,
    pooled: metricsFromConfusion(pooled, n > 0 ? lossSum / (n * pixelsPerImage) : 0),
    meanPerImage: meanMetrics(perImage),
  };
}

function meanMetrics(list: SegmentationMetrics[]): SegmentationMetrics {
  const keys = ['loss', 'precision', 'recall', 'f1', 'iou', 'accuracy'] as const;
  const out = { loss: 0, precision: 0, recall: 0, f1: 0, iou: 0, accuracy: 0 };
  for (const m of list) for (const key of keys) out[key] += m[key] / list.length;
  return out;
}

/** Lower and upper bounds of a confidence interval. */
export type Interval = [number, number];

/** Percentile bootstrap intervals of the pooled precision, recall, F1, IoU and accuracy. */
export interface BootstrapIntervals {
  precision: Interval;
  recall: Interval;
  f1: Interval;
  iou: Interval;
  accuracy: Interval;
  /** Confidence level, e.g. 0.95. */
  level: number;
  resamples: number;
}

/**
 * Percentile bootstrap over images: resamples the images with replacement `resamples` times,
 * pools each resample's confusion counts and takes the (1 − level)/2 and (1 + level)/2 quantiles.
 * @param confusions per-image counts (`MetricsReport.perImageConfusion`), at least one
 * @param rng seeded generator (the intervals are reproducible for a given seed)
 * @param options.resamples integer ≥ 10 (default 1000); options.level in (0, 1) (default 0.95)
 * @throws RangeError for no images or bad options
 */
export function bootstrapIntervals(
  confusions: readonly Confusion[],
  rng: Rng,
  options: { resamples?: number; level?: number } = {},
): BootstrapIntervals {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  if (confusions.length === 0) throw new RangeError('bootstrapIntervals: need at least one image');
  if (!Number.isInteger(resamples) || resamples < 10) {
    throw new RangeError(`resamples must be an integer ≥ 10, got ${resamples}`);
  }
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const keys = ['precision', 'recall', 'f1', 'iou', 'accuracy'] as const;
  const samples = Object.fromEntries(keys.map((k) => [k, new Float64Array(resamples)])) as Record<
    (typeof keys)[number],
    Float64Array
  >;
  for (let r = 0; r < resamples; r++) {
    const c: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (let i = 0; i < confusions.length; i++) {
      const pick = confusions[rng.int(confusions.length)];
      c.tp += pick.tp;
      c.fp += pick.fp;
      c.fn += pick.fn;
      c.tn += pick.tn;
    }
    const m = metricsFromConfusion(c, 0);
    for (const k of keys) samples[k][r] = m[k];
  }
  const quantile = (values: Float64Array, q: number) => {
    const sorted = Float64Array.from(values).sort();
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  };
  const lo = (1 - level) / 2;
  const hi = (1 + level) / 2;
  const interval = (k: (typeof keys)[number]): Interval => [
    quantile(samples[k], lo),
    quantile(samples[k], hi),
  ];
  return {
    precision: interval('precision'),
    recall: interval('recall'),
    f1: interval('f1'),
    iou: interval('iou'),
    accuracy: interval('accuracy'),
    level,
    resamples,
  };
}
