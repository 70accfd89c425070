/**
 * The exit-wave folder format (see docs/exit-wave-format.md):
 *   exit-waves.npy    complex64 (nconf, ny, nx)
 *   labels.npy        uint8 (nparticles, ny, nx), one mask per particle id (optional)
 *   labels-union.npy  uint8 (ny, nx), the union of the masks (optional)
 *   metadata.json     settings, grid, band, phonons, label settings; written last, so a folder
 *                     without it is incomplete and is never read as a result
 * Waves are stored band-limited: their spectrum is cropped to the band limit, which resamples
 * them (exactly, for a band-limited wave) onto a coarser grid.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { InputError } from '../core/errors.js';
import { Fft2, nextFastLength } from '../core/fft.js';
import { readNpy, writeNpy } from '../core/npy.js';
import type { ExitWaveMetadata, ExitWaveResult } from './simulate.js';

/** File names inside an exit-wave folder. */
export const EXIT_WAVE_FILES = {
  waves: 'exit-waves.npy',
  labels: 'labels.npy',
  union: 'labels-union.npy',
  metadata: 'metadata.json',
} as const;

/** Ground-truth masks of the particles. */
export interface LabelSet {
  /** uint8 0/1, shape (nparticles, ny, nx). */
  masks: Uint8Array;
  shape: [number, number, number];
  /** uint8 0/1 union of all masks, shape (ny, nx). */
  union: Uint8Array;
  /** Particle id (the atoms' label) of each mask. */
  particleIds: number[];
  /** How the masks were made (recorded in the metadata). */
  settings: Record<string, unknown>;
}

/** An exit-wave folder's contents. */
export interface ExitWaveSet extends ExitWaveResult {
  labels?: LabelSet;
}

/** Metadata as written to metadata.json (exit-wave metadata plus label metadata). */
export interface ExitWaveFileMetadata extends ExitWaveMetadata {
  labels: {
    shape: [number, number, number];
    particleIds: number[];
    settings: Record<string, unknown>;
  } | null;
}

/**
 * Grid shape that holds frequencies up to `band` [1/Å] for a cell of extent (Ly, Lx) [Å]: the
 * smallest 2^a·3^b·5^c multiple of 16 with n ≥ 2·band·L, but never more than the current shape.
 */
export function croppedShape(
  shape: [number, number],
  extent: [number, number],
  band: number,
): [number, number] {
  const size = (n: number, l: number) => Math.min(n, nextFastLength(2 * band * l - 1e-9, 16));
  return [size(shape[0], extent[0]), size(shape[1], extent[1])];
}

/**
 * Resamples complex fields (nconf, ny, nx) to (nconf, my, mx) by cropping (or zero-padding)
 * their spectra, scaled so that a constant field keeps its value.
 * @param disc when given, also zeroes every frequency above `disc.radius` [1/Å] (a hard circular
 *   band, so that the kept band is round like the multislice band limit, not the crop's square);
 *   `disc.extent` is the field's (ly, lx) [Å]
 */
export async function resampleFourier(
  waves: Float32Array,
  shape: [number, number, number],
  target: [number, number],
  disc?: { radius: number; extent: [number, number] },
): Promise<Float32Array> {
  const [nconf, ny, nx] = shape;
  const [my, mx] = target;
  if (my === ny && mx === nx && !disc) return waves.slice();
  const signed = (i: number, m: number) => (i < Math.ceil(m / 2) ? i : i - m);
  const inside = (iy: number, ix: number) => {
    if (!disc) return true;
    const ky = signed(iy, my) / disc.extent[0];
    const kx = signed(ix, mx) / disc.extent[1];
    return ky * ky + kx * kx <= disc.radius * disc.radius;
  };
  const big = await Fft2.create(ny, nx);
  const small = await Fft2.create(my, mx);
  const out = new Float32Array(2 * nconf * my * mx);
  const work = new Float32Array(2 * nx * ny);
  const scale = (mx * my) / (nx * ny);
  const mapX = frequencyMap(mx, nx);
  const mapY = frequencyMap(my, ny);
  for (let c = 0; c < nconf; c++) {
    work.set(waves.subarray(2 * nx * ny * c, 2 * nx * ny * (c + 1)));
    big.forward(work);
    const dst = out.subarray(2 * mx * my * c, 2 * mx * my * (c + 1));
    for (let iy = 0; iy < my; iy++) {
      const sy = mapY[iy];
      if (sy < 0) continue;
      for (let ix = 0; ix < mx; ix++) {
        const sx = mapX[ix];
        if (sx < 0 || !inside(iy, ix)) continue;
        dst[2 * (iy * mx + ix)] = work[2 * (sy * nx + sx)] * scale;
        dst[2 * (iy * mx + ix) + 1] = work[2 * (sy * nx + sx) + 1] * scale;
      }
    }
    small.inverse(dst);
  }
  big.dispose();
  small.dispose();
  return out;
}

/** For each index of an m-point spectrum, the index with the same frequency in an n-point one (−1 if none). */
function frequencyMap(m: number, n: number): Int32Array {
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const f = i < Math.ceil(m / 2) ? i : i - m;
    const inRange = f >= -Math.floor(n / 2) && f < Math.ceil(n / 2);
    out[i] = inRange ? (f >= 0 ? f : f + n) : -1;
  }
  return out;
}

/**
 * Crops a simulation's waves in Fourier space to `band` [1/Å] (default: its band-limit cut-off),
 * returning a new result whose metadata records the stored grid and band.
 */
export async function cropExitWaves(
  result: ExitWaveResult,
  band?: number,
): Promise<ExitWaveResult> {
  const m = result.metadata;
  const keep = band ?? m.storedBand;
  const [nconf, ny, nx] = result.shape;
  const extent: [number, number] = [m.cell[1], m.cell[0]];
  const [my, mx] = croppedShape([ny, nx], extent, keep);
  // A band below the multislice cut-off is cut as a disc: the square crop alone would keep its
  // corners out to √2 times the band, which `storedBand` would not describe.
  const disc = keep < m.storedBand ? { radius: keep, extent } : undefined;
  const waves = await resampleFourier(result.waves, result.shape, [my, mx], disc);
  const shape: [number, number, number] = [nconf, my, mx];
  const nyquist = Math.min(my / (2 * extent[0]), mx / (2 * extent[1]));
  return {
    waves,
    shape,
    metadata: {
      ...m,
      shape,
      sampling: [extent[0] / my, extent[1] / mx],
      storedBand: Math.min(keep, nyquist, m.storedBand),
    },
  };
}

/**
 * Writes an exit-wave folder. Files are written atomically and metadata.json last; an existing
 * metadata.json is removed first, so an interrupted rewrite never looks complete.
 * @param dir destination folder (created)
 */
export function writeExitWaveSet(dir: string, set: ExitWaveSet): void {
  const metaPath = join(dir, EXIT_WAVE_FILES.metadata);
  if (existsSync(metaPath)) rmSync(metaPath);
  writeNpy(join(dir, EXIT_WAVE_FILES.waves), {
    dtype: '<c8',
    shape: [...set.shape],
    data: set.waves,
  });
  if (set.labels) {
    const [np, ly, lx] = set.labels.shape;
    if (ly !== set.shape[1] || lx !== set.shape[2]) {
      throw new TypeError(
        `labels grid (${ly}, ${lx}) must equal the stored exit-wave grid (${set.shape[1]}, ${set.shape[2]})`,
      );
    }
    writeNpy(join(dir, EXIT_WAVE_FILES.labels), {
      dtype: '|u1',
      shape: [np, ly, lx],
      data: set.labels.masks,
    });
    writeNpy(join(dir, EXIT_WAVE_FILES.union), {
      dtype: '|u1',
      shape: [ly, lx],
      data: set.labels.union,
    });
  }
  const meta: ExitWaveFileMetadata = {
    ...set.metadata,
    labels: set.labels
      ? {
          shape: set.labels.shape,
          particleIds: set.labels.particleIds,
          settings: set.labels.settings,
        }
      : null,
  };
  writeFileAtomic(metaPath, `${JSON.stringify(meta, null, 2)}\n`);
}

/**
 * Reads an exit-wave folder written by `writeExitWaveSet`.
 * @throws InputError if the folder is incomplete (no metadata.json) or its arrays disagree with it
 */
export function readExitWaveSet(dir: string): ExitWaveSet & { metadata: ExitWaveFileMetadata } {
  const metaPath = join(dir, EXIT_WAVE_FILES.metadata);
  if (!existsSync(metaPath)) {
    throw new InputError(
      `${dir}: not a complete exit-wave folder (no ${EXIT_WAVE_FILES.metadata})`,
    );
  }
  const metadata = JSON.parse(readFileSync(metaPath, 'utf8')) as ExitWaveFileMetadata;
  const waves = readNpy(join(dir, EXIT_WAVE_FILES.waves));
  if (waves.dtype !== '<c8' || waves.shape.join() !== metadata.shape.join()) {
    throw new InputError(
      `${dir}: ${EXIT_WAVE_FILES.waves} is ${waves.dtype} (${waves.shape.join(', ')}), metadata says <c8 (${metadata.shape.join(', ')})`,
    );
  }
  const set: ExitWaveSet & { metadata: ExitWaveFileMetadata } = {
    waves: waves.data as Float32Array,
    shape: metadata.shape,
    metadata,
  };
  if (metadata.labels) {
    const masks = readNpy(join(dir, EXIT_WAVE_FILES.labels));
    const union = readNpy(join(dir, EXIT_WAVE_FILES.union));
    set.labels = {
      masks: masks.data as Uint8Array,
      shape: metadata.labels.shape,
      union: union.data as Uint8Array,
      particleIds: metadata.labels.particleIds,
      settings: metadata.labels.settings,
    };
  }
  return set;
}
