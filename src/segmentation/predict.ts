/**
 * Inference: particle probabilities for whole images, and tiled inference for images of any size.
 * Images whose sides are not multiples of 2^depth are mirror-padded (without repeating the edge
 * pixel) up to the next multiple and the result cropped back.
 */
import * as tf from '@tensorflow/tfjs';
import { requireInteger } from '../core/errors.js';
import { type SegmentationData, validateData } from './data.js';
import type { UNet } from './unet.js';

/** Index into [0, n) mirrored at both ends (… 2 1 0 1 2 … n−2 n−1 n−2 …). */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** Copies an (h, w) image into an (ph, pw) buffer, mirroring beyond the bottom/right edges. */
function padImage(
  src: Float32Array,
  offset: number,
  h: number,
  w: number,
  ph: number,
  pw: number,
  dst: Float32Array,
  dstOffset: number,
): void {
  for (let y = 0; y < ph; y++) {
    const row = offset + mirror(y, h) * w;
    for (let x = 0; x < pw; x++) dst[dstOffset + y * pw + x] = src[row + mirror(x, w)];
  }
}

/** Runs the model on (n, h, w) images with h, w multiples of 2^depth; particle probability. */
async function runBatches(
  unet: UNet,
  images: Float32Array,
  n: number,
  h: number,
  w: number,
  batchSize: number,
): Promise<Float32Array> {
  const out = new Float32Array(n * h * w);
  const channel = unet.config.head === 'softmax' ? 1 : 0;
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const batch = images.subarray(start * h * w, (start + count) * h * w);
    const probability = tf.tidy(() => {
      const x = tf.tensor4d(batch, [count, h, w, 1]);
      const y = unet.model.predict(x) as tf.Tensor4D;
      return y.slice([0, 0, 0, channel], [count, h, w, 1]).reshape([count * h * w]);
    });
    out.set((await probability.data()) as Float32Array, start * h * w);
    probability.dispose();
  }
  return out;
}

/**
 * Particle probability of every pixel, (n, h, w) row-major, values in [0, 1].
 * @param unet a model from `createUNet` or `loadModel`
 * @param data images (masks ignored); any size, mirror-padded to multiples of 2^depth
 * @param options.batchSize images per forward pass (default 8)
 * @throws InputError for malformed data
 */
export async function predict(
  unet: UNet,
  data: SegmentationData,
  options: { batchSize?: number } = {},
): Promise<Float32Array> {
  validateData({ images: data.images, shape: data.shape }, 'predict images');
  const batchSize = options.batchSize ?? 8;
  requireInteger('batchSize', batchSize, 1);
  const [n, h, w] = data.shape;
  const m = 2 ** unet.config.depth;
  const ph = Math.ceil(h / m) * m;
  const pw = Math.ceil(w / m) * m;
  if (ph === h && pw === w) return runBatches(unet, data.images, n, h, w, batchSize);
  const padded = new Float32Array(n * ph * pw);
  for (let k = 0; k < n; k++) padImage(data.images, k * h * w, h, w, ph, pw, padded, k * ph * pw);
  const full = await runBatches(unet, padded, n, ph, pw, batchSize);
  const out = new Float32Array(n * h * w);
  for (let k = 0; k < n; k++) {
    for (let y = 0; y < h; y++) {
      out.set(full.subarray(k * ph * pw + y * pw, k * ph * pw + y * pw + w), k * h * w + y * w);
    }
  }
  return out;
}

/** Tile starts and the [from, to) range each tile writes along one axis of length `size`. */
function tilePlan(
  size: number,
  tile: number,
  overlap: number,
): { start: number; from: number; to: number }[] {
  if (size <= tile) return [{ start: 0, from: 0, to: size }];
  const step = tile - overlap;
  const starts: number[] = [];
  for (let s = 0; s + tile < size; s += step) starts.push(s);
  starts.push(size - tile);
  return starts.map((start, i) => {
    const from = i === 0 ? 0 : Math.floor((starts[i - 1] + tile + start) / 2);
    const to = i === starts.length - 1 ? size : Math.floor((start + tile + starts[i + 1]) / 2);
    return { start, from, to };
  });
}

/**
 * Tiled inference on one large or odd-sized image: overlapping tiles, each pixel taken from the
 * tile whose edge is farthest away. Equal to whole-image inference when the overlap exceeds twice
 * the network's receptive-field radius; tile starts stay on the 2^depth pooling grid.
 * @param image (h, w) row-major standardised image
 * @param options.tile tile side in px, a multiple of 2^depth (default 256)
 * @param options.overlap overlap between neighbouring tiles in px, a multiple of 2^depth and
 *   < tile (default 64)
 * @returns particle probability, (h, w)
 * @throws RangeError for a bad tile or overlap
 */
export async function predictTiled(
  unet: UNet,
  image: Float32Array,
  height: number,
  width: number,
  options: { tile?: number; overlap?: number; batchSize?: number } = {},
): Promise<Float32Array> {
  validateData({ images: image, shape: [1, height, width] }, 'predictTiled image');
  const m = 2 ** unet.config.depth;
  const tile = options.tile ?? 256;
  const overlap = options.overlap ?? 64;
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(tile) || tile < m || tile % m !== 0) {
    throw new RangeError(`tile must be a positive multiple of 2^depth = ${m} px, got ${tile} px`);
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= tile || overlap % m !== 0) {
    throw new RangeError(
      `overlap must be a multiple of ${m} px in [0, tile = ${tile} px), got ${overlap} px`,
    );
  }

  // Images smaller than a tile are run whole (padded only to the pooling grid).
  const ph = Math.ceil(height / m) * m;
  const pw = Math.ceil(width / m) * m;
  const th = Math.min(tile, ph);
  const tw = Math.min(tile, pw);
  const padded = new Float32Array(ph * pw);
  padImage(image, 0, height, width, ph, pw, padded, 0);
  const rows = tilePlan(ph, th, Math.min(overlap, th - m));
  const cols = tilePlan(pw, tw, Math.min(overlap, tw - m));
  const tiles = rows.flatMap((r) => cols.map((c) => ({ r, c })));
  const full = new Float32Array(ph * pw);
  for (let first = 0; first < tiles.length; first += batchSize) {
    const group = tiles.slice(first, first + batchSize);
    const batch = new Float32Array(group.length * th * tw);
    group.forEach(({ r, c }, k) => {
      for (let y = 0; y < th; y++) {
        const src = (r.start + y) * pw + c.start;
        batch.set(padded.subarray(src, src + tw), (k * th + y) * tw);
      }
    });
    const probability = await runBatches(unet, batch, group.length, th, tw, batchSize);
    group.forEach(({ r, c }, k) => {
      for (let y = r.from; y < r.to; y++) {
        const src = (k * th + y - r.start) * tw + (c.from - c.start);
        full.set(probability.subarray(src, src + c.to - c.from), y * pw + c.from);
      }
    });
  }
  const out = new Float32Array(height * width);
  for (let y = 0; y < height; y++) out.set(full.subarray(y * pw, y * pw + width), y * width);
  return out;
}
