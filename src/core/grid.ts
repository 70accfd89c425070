/**
 * Sampling grids: the shape, pixel size and extent of a 2D field, and its spatial frequencies.
 * Arrays are (ny, nx) row-major; pixel (iy, ix) sits at (x, y) = (ix·sx, iy·sy), the cell origin
 * at pixel (0, 0).
 */
import { requireInteger, requirePositive } from './errors.js';

/** A periodic 2D sampling grid. */
export interface Grid {
  /** Number of pixels (ny, nx). */
  shape: [number, number];
  /** Pixel size (sy, sx) [Å]. */
  sampling: [number, number];
  /** Extent (Ly, Lx) = (ny·sy, nx·sx) [Å]. */
  extent: [number, number];
}

/**
 * Makes a grid from its shape and extent.
 * @param shape (ny, nx) pixels, integers ≥ 1
 * @param extent (Ly, Lx) [Å], > 0
 * @throws RangeError naming the bad value
 */
export function makeGrid(shape: [number, number], extent: [number, number]): Grid {
  requireInteger('grid ny', shape[0], 1);
  requireInteger('grid nx', shape[1], 1);
  requirePositive('grid extent Ly', extent[0], 'Å');
  requirePositive('grid extent Lx', extent[1], 'Å');
  return {
    shape: [shape[0], shape[1]],
    sampling: [extent[0] / shape[0], extent[1] / shape[1]],
    extent: [extent[0], extent[1]],
  };
}

/**
 * Discrete Fourier frequencies of n samples spaced by `sampling`, in NumPy `fftfreq` order:
 * (0, 1, …, ⌈n/2⌉ − 1, −⌊n/2⌋, …, −1) / (n·sampling).
 * @param n number of samples, integer ≥ 1
 * @param sampling sample spacing [Å], > 0
 * @returns frequencies [1/Å], length n
 * @example fftFrequencies(4, 0.5) // [0, 0.5, −1, −0.5]
 */
export function fftFrequencies(n: number, sampling: number): Float64Array {
  requireInteger('n', n, 1);
  requirePositive('sampling', sampling, 'Å');
  const out = new Float64Array(n);
  const half = Math.ceil(n / 2);
  for (let i = 0; i < n; i++) out[i] = (i < half ? i : i - n) / (n * sampling);
  return out;
}
