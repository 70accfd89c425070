import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { writeNpy } from '../core/npy.js';
import { readImageStack, readMaskStack } from './npy-images.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hrtem-npy-images-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readImageStack / readMaskStack', () => {
  it('reads uint16 images as standardised float32 stacks', () => {
    const path = join(dir, 'u16.npy');
    writeNpy(path, { dtype: '<u2', shape: [2, 2], data: new Uint16Array([0, 100, 200, 300]) });
    const { images, shape } = readImageStack(path);
    expect(shape).toEqual([1, 2, 2]);
    const std = Math.sqrt((150 ** 2 + 50 ** 2 + 50 ** 2 + 150 ** 2) / 4);
    expect(images[0]).toBeCloseTo(-150 / std, 6);
    expect(images[3]).toBeCloseTo(150 / std, 6);
  });

  it('refuses an unsupported bit depth and an unsupported file format', () => {
    const path = join(dir, 'i32.npy');
    writeNpy(path, { dtype: '<i4', shape: [2, 2], data: new Int32Array(4) });
    expect(() => readImageStack(path)).toThrow(InputError);
    expect(() => readImageStack(path)).toThrow(
      `${path}: unsupported image dtype <i4; images must be float32, uint8 or uint16`,
    );
    expect(() => readImageStack(join(dir, 'image.tif'))).toThrow(
      /unsupported image format "\.tif"/,
    );
  });

  it('refuses masks whose shape differs from the images', () => {
    const path = join(dir, 'mask.npy');
    writeNpy(path, { dtype: '|u1', shape: [2, 3], data: new Uint8Array(6) });
    expect(() => readMaskStack(path, [1, 2, 2])).toThrow(
      `${path}: masks do not match images: mask shape (1, 2, 3) vs image shape (1, 2, 2)`,
    );
    writeNpy(path, { dtype: '|u1', shape: [2, 2], data: new Uint8Array([0, 1, 2, 0]) });
    expect(() => readMaskStack(path, [1, 2, 2])).toThrow(/mask values must be 0 or 1, got 2/);
  });
});
