/**
 * Image and mask stacks from NumPy files for `hrtem train` / `hrtem segment`. Images: .npy of
 * dtype float32, uint8 or uint16, shape (h, w) or (n, h, w), standardised per image to zero mean
 * and unit variance (the U-Net's input convention). Masks: .npy uint8 of 0/1 with the images'
 * shape. Other formats (PNG, TIFF) and dtypes are refused with a message naming what is supported.
 */
import { extname } from 'node:path';
import { InputError } from '../core/errors.js';
import { readNpy } from '../core/npy.js';

const IMAGE_DTYPES: Record<string, string> = { '<f4': 'float32', '|u1': 'uint8', '<u2': 'uint16' };

function requireNpy(path: string, what: string): void {
  if (extname(path).toLowerCase() !== '.npy') {
    throw new InputError(
      `${what} ${path}: unsupported image format ${JSON.stringify(extname(path) || '(none)')}; only .npy (float32, uint8, uint16) is supported`,
    );
  }
}

function stackShape(shape: number[], path: string): [number, number, number] {
  if (shape.length === 2) return [1, shape[0], shape[1]];
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  throw new InputError(`${path}: expected shape (h, w) or (n, h, w), got (${shape.join(', ')})`);
}

/**
 * Reads a stack of images, standardised per image.
 * @returns images (n, h, w) as Float32Array and their shape
 * @throws InputError for another file format, dtype (bit depth) or rank
 */
export function readImageStack(path: string): {
  images: Float32Array;
  shape: [number, number, number];
} {
  requireNpy(path, 'image');
  const array = readNpy(path);
  if (!(array.dtype in IMAGE_DTYPES)) {
    throw new InputError(
      `${path}: unsupported image dtype ${array.dtype}; images must be float32, uint8 or uint16`,
    );
  }
  const shape = stackShape(array.shape, path);
  const [n, h, w] = shape;
  const pixels = h * w;
  const images = new Float32Array(n * pixels);
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let i = k * pixels; i < (k + 1) * pixels; i++) {
      const v = Number(array.data[i]);
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
  return { images, shape };
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
