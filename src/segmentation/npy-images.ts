/**
 * Image and mask stacks from NumPy files for `hrtem train` / `hrtem segment`. Images: .npy of
 * dtype float32, uint8 or uint16, shape (h, w) or (n, h, w), standardised per image to zero mean
 * and unit variance (the U-Net's input convention). Masks: .npy uint8 of 0/1 with the images'
 * shape. Other dtypes are refused with a message naming what is supported. PNG and TIFF images
 * are read by `readImages` in `image-files.ts`, which calls this module for .npy files.
 */
import { extname } from 'node:path';
import { InputError } from '../core/errors.js';
import { readNpy } from '../core/npy.js';

const IMAGE_DTYPES: Record<string, 'float32' | 'uint8' | 'uint16'> = {
  '<f4': 'float32',
  '|u1': 'uint8',
  '<u2': 'uint16',
};

function requireNpy(path: string, what: string): void {
  if (extname(path).toLowerCase() !== '.npy') {
    throw new InputError(
      `${what} ${path}: unsupported image format ${JSON.stringify(extname(path) || '(none)')}; this reader takes only .npy (float32, uint8, uint16); use readImages for PNG and TIFF`,
    );
  }
}

function stackShape(shape: number[], path: string): [number, number, number] {
  if (shape.length === 2) return [1, shape[0], shape[1]];
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  throw new InputError(`${path}: expected shape (h, w) or (n, h, w), got (${shape.join(', ')})`);
}

/**
 * Reads the raw pixel values of a .npy image stack, unscaled.
 * @returns values (n, h, w) row-major in the file's sample type, the shape, and that type's name
 * @throws InputError for another file format, dtype (bit depth) or rank
 */
export function readNpyImages(path: string): {
  values: Float32Array | Uint8Array | Uint16Array;
  shape: [number, number, number];
  sampleType: 'float32' | 'uint8' | 'uint16';
} {
  requireNpy(path, 'image');
  const array = readNpy(path);
  const sampleType = IMAGE_DTYPES[array.dtype];
  if (sampleType === undefined) {
    throw new InputError(
      `${path}: unsupported image dtype ${array.dtype}; images must be float32, uint8 or uint16`,
    );
  }
  const values = array.data as Float32Array | Uint8Array | Uint16Array;
  return { values, shape: stackShape(array.shape, path), sampleType };
}

/**
 * Reads a .npy stack of images, standardised per image (see `standardizeStack`).
 * @returns images (n, h, w) as Float32Array and their shape
 * @throws InputError for another file format, dtype (bit depth) or rank, or a non-finite value
 */
export function readImageStack(path: string): {
  images: Float32Array;
  shape: [number, number, number];
} {
  const { values, shape } = readNpyImages(path);
  return { images: standardizeStack(values, shape, path), shape };
}

/**
 * Standardises each image of a stack to zero mean and unit (population) variance, the U-Net's
 * input convention; a constant image is only centred.
 * @param values raw pixel values of (n, h, w) images, row-major, length n·h·w
 * @param shape [n, h, w]
 * @param path names the source in messages
 * @returns a new Float32Array of length n·h·w
 * @throws InputError if a value is NaN or infinite
 * @example
 * standardizeStack([1, 3], [1, 1, 2], 'x'); // Float32Array [-1, 1]
 */
export function standardizeStack(
  values: ArrayLike<number>,
  shape: [number, number, number],
  path: string,
): Float32Array {
  const [n, h, w] = shape;
  const pixels = h * w;
  const images = new Float32Array(n * pixels);
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let i = k * pixels; i < (k + 1) * pixels; i++) {
      const v = Number(values[i]);
      if (!Number.isFinite(v))
        throw new InputError(`${path}: image ${k} holds a non-finite value ${v}`);
      images[i] = v;
      sum += v;
    }
    const mean = sum / pixels;
    let variance = 0;
    for (let i = k * pixels; i < (k + 1) * pixels; i++) variance += (images[i] - mean) ** 2;
    const std = Math.sqrt(variance / pixels) || 1;
    for (let i = k * pixels; i < (k + 1) * pixels; i++) images[i] = (images[i] - mean) / std;
  }
  return images;
}

/**
 * Reads 0/1 masks matching an image stack's shape.
 * @throws InputError if the dtype is not uint8, values are not 0/1, or the shape differs
 */
export function readMaskStack(path: string, imageShape: [number, number, number]): Uint8Array {
  requireNpy(path, 'mask');
  const array = readNpy(path);
  if (array.dtype !== '|u1') {
    throw new InputError(`${path}: masks must be uint8 (0/1), got dtype ${array.dtype}`);
  }
  const shape = stackShape(array.shape, path);
  if (shape.join() !== imageShape.join()) {
    throw new InputError(
      `${path}: masks do not match images: mask shape (${shape.join(', ')}) vs image shape (${imageShape.join(', ')})`,
    );
  }
  const masks = array.data as Uint8Array;
  const bad = masks.findIndex((v) => v > 1);
  if (bad >= 0)
    throw new InputError(`${path}: mask values must be 0 or 1, got ${masks[bad]} at index ${bad}`);
  return masks;
}
