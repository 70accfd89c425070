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
 */

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
  /** Ratios of pooled counts over all images (micro average); loss is the pixel mean. */
  pooled: SegmentationMetrics;
  /** Mean of per-image metrics (macro average). */
  meanPerImage: SegmentationMetrics;
}

/** Probabilities are clipped to [ε, 1 − ε] before the logarithm, as Keras does. */
export const PROBABILITY_EPSILON = 1e-7;

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
    pooled.tp += c.tp;
    pooled.fp += c.fp;
    pooled.fn += c.fn;
    pooled.tn += c.tn;
  }
  return {
    perImage,
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
