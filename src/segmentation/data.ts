/**
 * Segmentation datasets, in memory (`SegmentationData`) or read one image at a time from disk
 * (`SegmentationSource`, e.g. dataset shards), their checks, plus the 8-fold dihedral augmentation
 * (the symmetry group of the square: identity, rotations by 90°, 180°, 270° and four mirrors),
 * which leaves the physics of an HRTEM image of a randomly oriented particle unchanged.
 */
import { InputError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';

/** Images and masks of one dataset, all (n, height, width) row-major. */
export interface SegmentationData {
  /** Standardised images (zero mean, unit variance per image is typical), length n·h·w. */
  images: Float32Array;
  /** Masks, 1 = particle, 0 = background, length n·h·w; omitted for inference only. */
  masks?: Uint8Array;
  /** [n, height, width]. */
  shape: [number, number, number];
}

/**
 * Labelled images read one at a time, so a dataset larger than memory can be trained on and
 * evaluated. Each read returns a standardised image and its 0/1 mask; the source checks them.
 */
export interface SegmentationSource {
  /** [n, height, width]. */
  readonly shape: [number, number, number];
  /**
   * Copies image `index` ∈ [0, n) into `image` and its mask into `mask` (each h·w long).
   * @throws InputError for a non-finite image value or a mask value other than 0 or 1
   */
  read(index: number, image: Float32Array, mask: Uint8Array): void;
}

/** Training, validation or evaluation data: in memory or streamed. */
export type LabelledData = SegmentationData | SegmentationSource;

/** True for a streamed source, false for in-memory data. */
export function isSource(data: LabelledData): data is SegmentationSource {
  return typeof (data as Partial<SegmentationSource>).read === 'function';
}

/**
 * Checks in-memory data fully (`validateData`) or a source's shape; a source checks each image
 * as it is read.
 * @throws InputError describing the first problem found
 */
export function validateLabelled(
  data: LabelledData,
  label: string,
  options: { multiple?: number } = {},
): void {
  if (!isSource(data)) {
    validateData(data, label, { requireMasks: true, multiple: options.multiple });
    return;
  }
  const [n, h, w] = data.shape;
  if (![n, h, w].every((d) => Number.isInteger(d) && d > 0)) {
    throw new InputError(
      `${label}: shape must be [n, height, width] of positive integers, got ${JSON.stringify(data.shape)}`,
    );
  }
  const multiple = options.multiple ?? 1;
  if (h % multiple !== 0 || w % multiple !== 0) {
    throw new InputError(
      `${label}: height and width must be divisible by ${multiple} (2^depth of the U-Net), got ${h}×${w} px; crop or pad the images`,
    );
  }
}

/**
 * Checks that images and masks agree with `shape`, masks are 0/1 and images finite.
 * @param label names the dataset in messages (e.g. 'training data', 'validation "defocus"')
 * @param multiple height and width must be divisible by this (2^depth of the U-Net), or 1
 * @throws InputError describing the first problem found
 */
export function validateData(
  data: SegmentationData,
  label: string,
  options: { requireMasks?: boolean; multiple?: number } = {},
): void {
  const { shape } = data;
  if (
    !Array.isArray(shape) ||
    shape.length !== 3 ||
    !shape.every((d) => Number.isInteger(d) && d > 0)
  ) {
    throw new InputError(
      `${label}: shape must be [n, height, width] of positive integers, got ${JSON.stringify(shape)}`,
    );
  }
  const [n, h, w] = shape;
  const size = n * h * w;
  if (!(data.images instanceof Float32Array) || data.images.length !== size) {
    throw new InputError(
      `${label}: images must be a Float32Array of n·h·w = ${size} values (shape ${n}×${h}×${w}), got ${data.images?.length}`,
    );
  }
  if (options.requireMasks && data.masks === undefined) {
    throw new InputError(`${label}: masks are required`);
  }
  if (data.masks !== undefined) {
    if (!(data.masks instanceof Uint8Array) || data.masks.length !== size) {
      throw new InputError(
        `${label}: masks do not match images: need a Uint8Array of ${size} values (shape ${n}×${h}×${w}), got ${data.masks?.length}`,
      );
    }
    for (let i = 0; i < size; i++) {
      if (data.masks[i] > 1) {
        throw new InputError(
          `${label}: mask values must be 0 or 1, got ${data.masks[i]} at index ${i}`,
        );
      }
    }
  }
  for (let i = 0; i < size; i++) {
    if (!Number.isFinite(data.images[i])) {
      throw new InputError(`${label}: images must be finite, got ${data.images[i]} at index ${i}`);
    }
  }
  const multiple = options.multiple ?? 1;
  if (h % multiple !== 0 || w % multiple !== 0) {
    throw new InputError(
      `${label}: height and width must be divisible by ${multiple} (2^depth of the U-Net), got ${h}×${w} px; crop or pad the images`,
    );
  }
}

/**
 * Applies dihedral transform `t` ∈ [0, 8) to an (h, w) image: bit 0 mirrors columns, bit 1
 * mirrors rows, bit 2 transposes (only for square images; callers pass t < 4 otherwise).
 */
export function dihedral<T extends Float32Array | Uint8Array>(
  src: T,
  srcOffset: number,
  h: number,
  w: number,
  t: number,
  dst: T,
  dstOffset: number,
): void {
  const flipX = (t & 1) !== 0;
  const flipY = (t & 2) !== 0;
  const transpose = (t & 4) !== 0;
  for (let y = 0; y < h; y++) {
    const sy = flipY ? h - 1 - y : y;
    for (let x = 0; x < w; x++) {
      const sx = flipX ? w - 1 - x : x;
      const target = transpose ? x * h + y : y * w + x;
      dst[dstOffset + target] = src[srcOffset + sy * w + sx];
    }
  }
}

/**
 * Copies images `indices` into one batch, each with a random dihedral transform if `rng`
 * (8 transforms for square images, 4 otherwise). A source is read one image at a time.
 * @returns images and masks of the batch, (indices.length, h, w) row-major
 */
export function assembleBatch(
  data: LabelledData,
  indices: readonly number[],
  rng: Rng | null,
): { images: Float32Array; masks: Uint8Array } {
  const [, h, w] = data.shape;
  const pixels = h * w;
  const images = new Float32Array(indices.length * pixels);
  const masks = new Uint8Array(indices.length * pixels);
  const transforms = h === w ? 8 : 4;
  const source = isSource(data) ? data : null;
  const image = source ? new Float32Array(pixels) : (data as SegmentationData).images;
  const mask = source ? new Uint8Array(pixels) : (data as SegmentationData).masks;
  indices.forEach((index, k) => {
    const t = rng ? rng.int(transforms) : 0;
    source?.read(index, image, mask!);
    const offset = source ? 0 : index * pixels;
    dihedral(image, offset, h, w, t, images, k * pixels);
    if (mask) dihedral(mask, offset, h, w, t, masks, k * pixels);
  });
  return { images, masks };
}

/** A seeded Fisher–Yates permutation of [0, n). */
export function permutation(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
