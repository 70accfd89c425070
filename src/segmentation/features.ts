/**
 * Bottleneck features of a U-Net: the spatial mean of each channel of the deepest block's
 * activations, one vector per image. Distances between their distributions on two domains give a
 * model-based shift measure that also sees shifts the CTF cannot (structures, dose).
 */
import * as tf from '@tensorflow/tfjs';
import { requireInteger } from '../core/errors.js';
import { type SegmentationData, validateData } from './data.js';
import type { UNet } from './unet.js';

/** Name of the last layer of the bottleneck block for a U-Net's configuration. */
function bottleneckLayerName(unet: UNet): string {
  const names = unet.model.layers.map((l) => l.name);
  if (names.includes('bottleneck_act')) return 'bottleneck_act';
  const relus = names.filter((n) => /^bottleneck_relu\d+$/.test(n));
  if (relus.length === 0) throw new Error('internal: the U-Net has no bottleneck activation layer');
  return relus[relus.length - 1];
}

/**
 * Global-average-pooled bottleneck activations of each image.
 * @param data images (n, h, w) with h and w multiples of 2^depth
 * @returns features (n, channels) row-major, and the channel count
 */
export async function bottleneckFeatures(
  unet: UNet,
  data: SegmentationData,
  options: { batchSize?: number } = {},
): Promise<{ features: Float32Array; channels: number }> {
  validateData({ images: data.images, shape: data.shape }, 'feature images', {
    multiple: 2 ** unet.config.depth,
  });
  const batchSize = options.batchSize ?? 8;
  requireInteger('batchSize', batchSize, 1);
  const layer = unet.model.getLayer(bottleneckLayerName(unet));
  const probe = tf.model({ inputs: unet.model.inputs, outputs: layer.output as tf.SymbolicTensor });
  const [n, h, w] = data.shape;
  const chunks: Float32Array[] = [];
  let channels = 0;
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const pooled = tf.tidy(() => {
      const x = tf.tensor4d(data.images.subarray(start * h * w, (start + count) * h * w), [
        count,
        h,
        w,
        1,
      ]);
      const activations = probe.predict(x) as tf.Tensor4D;
      return tf.mean(activations, [1, 2]);
    });
    channels = pooled.shape[1] as number;
    chunks.push((await pooled.data()) as Float32Array);
    pooled.dispose();
  }
  const features = new Float32Array(n * channels);
  let offset = 0;
  for (const c of chunks) {
    features.set(c, offset);
    offset += c.length;
  }
  return { features, channels };
}

/**
 * Fréchet distance between two sets of feature vectors under Gaussians with diagonal covariance:
 * ‖μ₁ − μ₂‖² + Σ_c (s₁ + s₂ − 2√(s₁s₂)) with s the per-channel variances.
 * @param a, b features (n, channels) row-major
 */
export function diagonalFrechetDistance(
  a: Float32Array,
  b: Float32Array,
  channels: number,
): number {
  const stats = (x: Float32Array) => {
    const n = x.length / channels;
    const mean = new Float64Array(channels);
    const variance = new Float64Array(channels);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < channels; c++) mean[c] += x[i * channels + c] / n;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < channels; c++)
        variance[c] += (x[i * channels + c] - mean[c]) ** 2 / Math.max(1, n - 1);
    }
    return { mean, variance };
  };
  const sa = stats(a);
  const sb = stats(b);
  let d = 0;
  for (let c = 0; c < channels; c++) {
    d += (sa.mean[c] - sb.mean[c]) ** 2;
    d += sa.variance[c] + sb.variance[c] - 2 * Math.sqrt(sa.variance[c] * sb.variance[c]);
  }
  return d;
}
