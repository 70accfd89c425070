/**
 * Synthetic exit-wave sets for tests and benchmarks: pure phase objects made of Gaussian blobs
 * ("atoms") on a periodic grid, with a frozen-phonon-like random jitter of the blob centres per
 * configuration. Not a substitute for multislice; the phase is an arbitrary model.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { requireInteger, requireNonNegative, requirePositive } from '../core/errors.js';
import { Fft2 } from '../core/fft.js';
import { fftFrequencies } from '../core/grid.js';
import { writeNpy } from '../core/npy.js';
import type { Rng } from '../core/rng.js';
import { EXIT_WAVE_FILE_NAMES, type ExitWaveSet } from './exit-waves.js';

/** One Gaussian phase blob. */
export interface PhaseBlob {
  /** Centre (y, x) [Å]. */
  center: [number, number];
  /** Peak phase [rad] (positive for an attractive potential). */
  phase: number;
  /** Standard deviation of the Gaussian [Å]. */
  width: number;
}

/** Settings of a synthetic set. */
export interface SyntheticSetOptions {
  shape: [number, number];
  /** (sy, sx) [Å]. */
  sampling: [number, number];
  /** Energy recorded with the set [eV]. */
  energy: number;
  blobs: PhaseBlob[];
  /** Configurations (default 1). */
  nconf?: number;
  /** Standard deviation of the per-configuration centre jitter [Å] (default 0). */
  jitter?: number;
  /** Generator for the jitter (required when jitter > 0). */
  rng?: Rng;
  structureId?: string;
}

/**
 * Builds a phase-object exit-wave set ψ = exp(iφ), φ = Σ blobs (periodic images included), with
 * the mask φ ≥ 1/e² of each blob's peak (pixels within 2σ of a centre).
 */
export function syntheticExitWaveSet(options: SyntheticSetOptions): ExitWaveSet {
  const [ny, nx] = options.shape;
  requireInteger('shape[0]', ny, 1);
  requireInteger('shape[1]', nx, 1);
  requirePositive('sampling[0]', options.sampling[0], 'Å');
  requirePositive('sampling[1]', options.sampling[1], 'Å');
  const nconf = options.nconf ?? 1;
  const jitter = options.jitter ?? 0;
  requireNonNegative('jitter', jitter, 'Å');
  if (jitter > 0 && !options.rng) throw new TypeError('a jitter > 0 needs an rng');
  const [sy, sx] = options.sampling;
  const [ly, lx] = [ny * sy, nx * sx];
  const waves = new Float32Array(2 * nconf * ny * nx);
  const phase = new Float64Array(ny * nx);
  const mask = new Uint8Array(ny * nx);

  for (let c = 0; c < nconf; c++) {
    phase.fill(0);
    for (const blob of options.blobs) {
      const cy = blob.center[0] + (jitter > 0 ? options.rng!.normal(0, jitter) : 0);
      const cx = blob.center[1] + (jitter > 0 ? options.rng!.normal(0, jitter) : 0);
      addBlob(phase, [ny, nx], [sy, sx], [ly, lx], [cy, cx], blob, c === 0 ? mask : null);
    }
    const offset = 2 * c * ny * nx;
    for (let i = 0; i < ny * nx; i++) {
      waves[offset + 2 * i] = Math.cos(phase[i]);
      waves[offset + 2 * i + 1] = Math.sin(phase[i]);
    }
  }
  return {
    waves,
    nconf,
    shape: [ny, nx],
    sampling: [sy, sx],
    energy: options.energy,
    mask,
    structureId: options.structureId ?? 'synthetic',
  };
}

function addBlob(
  phase: Float64Array,
  [ny, nx]: [number, number],
  [sy, sx]: [number, number],
  [ly, lx]: [number, number],
  [cy, cx]: [number, number],
  blob: PhaseBlob,
  mask: Uint8Array | null,
): void {
  const inv = 1 / (2 * blob.width * blob.width);
  for (let iy = 0; iy < ny; iy++) {
    let dy = iy * sy - cy;
    dy -= ly * Math.round(dy / ly);
    for (let ix = 0; ix < nx; ix++) {
      let dx = ix * sx - cx;
      dx -= lx * Math.round(dx / lx);
      const r2 = dx * dx + dy * dy;
      phase[iy * nx + ix] += blob.phase * Math.exp(-r2 * inv);
      if (mask && r2 <= 4 * blob.width * blob.width) mask[iy * nx + ix] = 1;
    }
  }
}

/**
 * Writes a set as an exit-wave folder in the multislice stage's layout (exit-waves.npy,
 * labels-union.npy, then metadata.json last), for tests and benchmarks.
 */
export function writeSyntheticExitWaveFolder(dir: string, set: ExitWaveSet): void {
  const [ny, nx] = set.shape;
  writeNpy(join(dir, EXIT_WAVE_FILE_NAMES.waves), {
    dtype: '<c8',
    shape: [set.nconf, ny, nx],
    data: set.waves,
  });
  writeNpy(join(dir, EXIT_WAVE_FILE_NAMES.union), {
    dtype: '|u1',
    shape: [ny, nx],
    data: set.mask,
  });
  const metadata = {
    format: 'hrtem-ood exit waves',
    synthetic: true,
    structureId: set.structureId,
    energy: set.energy,
    shape: [set.nconf, ny, nx],
    sampling: set.sampling,
    ...(set.band !== undefined ? { storedBand: set.band } : {}),
  };
  writeFileAtomic(
    join(dir, EXIT_WAVE_FILE_NAMES.metadata),
    `${JSON.stringify(metadata, null, 2)}\n`,
  );
}

/**
 * Band-limits a set in place: zeroes every spectral component with |k| > `band` [1/Å] (a hard
 * circular cut, as the multislice band limit without its taper) and records the band.
 * @returns the same set
 */
export async function bandLimitExitWaves(set: ExitWaveSet, band: number): Promise<ExitWaveSet> {
  requirePositive('band', band, '1/Å');
  const [ny, nx] = set.shape;
  const fft = await Fft2.create(ny, nx);
  const ky = fftFrequencies(ny, set.sampling[0]);
  const kx = fftFrequencies(nx, set.sampling[1]);
  const size = 2 * ny * nx;
  for (let c = 0; c < set.nconf; c++) {
    const wave = set.waves.subarray(c * size, (c + 1) * size);
    fft.forward(wave);
    for (let iy = 0; iy < ny; iy++) {
      for (let ix = 0; ix < nx; ix++) {
        if (kx[ix] ** 2 + ky[iy] ** 2 > band * band) {
          wave[2 * (iy * nx + ix)] = 0;
          wave[2 * (iy * nx + ix) + 1] = 0;
        }
      }
    }
    fft.inverse(wave);
  }
  fft.dispose();
  set.band = band;
  return set;
}
