import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { assembleBatch, dihedral, permutation, validateData } from './data.js';

describe('dihedral', () => {
  it('produces the 8 distinct symmetries of a square image', () => {
    const src = Float32Array.from({ length: 9 }, (_, i) => i);
    const seen = new Set<string>();
    for (let t = 0; t < 8; t++) {
      const dst = new Float32Array(9);
      dihedral(src, 0, 3, 3, t, dst, 0);
      expect([...dst].sort()).toEqual([...src]);
      seen.add(dst.join());
    }
    expect(seen.size).toBe(8);
    const mirrored = new Float32Array(9);
    dihedral(src, 0, 3, 3, 1, mirrored, 0);
    expect(Array.from(mirrored)).toEqual([2, 1, 0, 5, 4, 3, 8, 7, 6]);
    const transposed = new Float32Array(9);
    dihedral(src, 0, 3, 3, 4, transposed, 0);
    expect(Array.from(transposed)).toEqual([0, 3, 6, 1, 4, 7, 2, 5, 8]);
  });

  it('applies the same transform to image and mask in a batch', () => {
    const images = Float32Array.from({ length: 32 }, (_, i) => i);
    const masks = Uint8Array.from({ length: 32 }, (_, i) => i);
    const batch = assembleBatch({ images, masks, shape: [2, 4, 4] }, [1, 0], new Rng(4));
    expect(Array.from(batch.images)).toEqual(Array.from(batch.masks));
    expect(permutation(5, new Rng(1)).sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('validateData', () => {
  it('names the problem: non-binary masks, non-finite images, bad shape', () => {
    const images = new Float32Array(4);
    expect(() =>
      validateData({ images, masks: new Uint8Array([0, 1, 2, 0]), shape: [1, 2, 2] }, 'set'),
    ).toThrow('set: mask values must be 0 or 1, got 2 at index 2');
    expect(() =>
      validateData({ images: new Float32Array([0, Number.NaN, 0, 0]), shape: [1, 2, 2] }, 'set'),
    ).toThrow(InputError);
    expect(() => validateData({ images, shape: [1, 2] as never }, 'set')).toThrow(
      /shape must be \[n, height, width\]/,
    );
  });
});
