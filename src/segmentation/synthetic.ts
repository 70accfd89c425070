/**
 * Synthetic segmentation fixtures for tests and benchmarks: bright discs on Gaussian noise, each
 * image standardised to zero mean and unit variance. Not a physical HRTEM model.
 */
import { requireInteger } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { SegmentationData } from './data.js';

/**
 * `n` images of `size`² px, each with 1–3 discs of radius 3–size/5 px (contrast 1) on noise of
 * standard deviation `noise` (default 0.3).
 */
export function syntheticDiscs(n: number, size: number, rng: Rng, noise = 0.3): SegmentationData {
  requireInteger('n', n, 1);
  requireInteger('size', size, 8);
  const pixels = size * size;
  const images = new Float32Array(n * pixels);
  const masks = new Uint8Array(n * pixels);
  for (let k = 0; k < n; k++) {
    const discs = 1 + rng.int(3);
    for (let d = 0; d < discs; d++) {
      const r = rng.uniform(3, Math.max(3.5, size / 5));
      const cx = rng.uniform(r, size - r);
      const cy = rng.uniform(r, size - r);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) masks[k * pixels + y * size + x] = 1;
        }
      }
    }
    let sum = 0;
    for (let i = k * pixels; i < (k + 1) * pixels; i++) {
      images[i] = masks[i] + rng.normal(0, noise);
      sum += images[i];
    }
    const mean = sum / pixels;
    let variance = 0;
    for (let i = k * pixels; i < (k + 1) * pixels; i++) variance += (images[i] - mean) ** 2;
    const std = Math.sqrt(variance / pixels) || 1;
    for (let i = k * pixels; i < (k + 1) * pixels; i++) images[i] = (images[i] - mean) / std;
  }
  return { images, masks, shape: [n, size, size] };
}
