/**
 * The exit waves an image is formed from, as the imaging stage sees them, and a thin loader for
 * the multislice stage's exit-wave folders:
 *   exit-waves.npy    complex64 (nconf, ny, nx)
 *   labels-union.npy  uint8 (ny, nx), union of the particle masks (optional)
 *   metadata.json     sidecar with energy [eV], sampling (sy, sx) [Å], shape, structureId; written
 *                     last by the multislice stage, so a folder without it is incomplete.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { readNpy } from '../core/npy.js';

/** The exit waves of one structure over its frozen-phonon configurations, with its mask. */
export interface ExitWaveSet {
  /** Interleaved complex64, shape (nconf, ny, nx). */
  waves: Float32Array;
  /** Number of frozen-phonon configurations. */
  nconf: number;
  /** Grid (ny, nx) [px]. */
  shape: [number, number];
  /** Pixel size (sy, sx) [Å]. */
  sampling: [number, number];
  /** Electron energy [eV] the waves were computed for. */
  energy: number;
  /** Ground-truth mask (union of particles), uint8 0/1, shape (ny, nx). */
  mask: Uint8Array;
  /** Identifier of the structure (splits are made by it). */
  structureId: string;
  /**
   * Highest spatial frequency present in the waves [1/Å] (the multislice band limit, sidecar
   * `storedBand`); omitted = the grid's Nyquist frequency (no band limit assumed).
   */
  band?: number;
  /** Folder the set was read from, if any. */
  source?: string;
}

/** What the sidecar says about a folder, read without loading the waves. */
export interface ExitWaveHeader {
  dir: string;
  structureId: string;
  energy: number;
  /** (nconf, ny, nx). */
  shape: [number, number, number];
  sampling: [number, number];
  /** `storedBand` of the sidecar [1/Å], if given. */
  band?: number;
  /** The multislice band-limit cut-off [1/Å] (`bandLimit.cutoff` of the sidecar), if given. */
  simulatedBand?: number;
  hasMask: boolean;
}

/** File names inside an exit-wave folder (the multislice stage's format). */
export const EXIT_WAVE_FILE_NAMES = {
  waves: 'exit-waves.npy',
  union: 'labels-union.npy',
  metadata: 'metadata.json',
} as const;

/**
 * Reads an exit-wave folder's sidecar only.
 * @throws InputError if the folder has no metadata.json (incomplete or not an exit-wave folder) or
 *   the sidecar lacks energy, shape or sampling
 */
export function readExitWaveHeader(dir: string): ExitWaveHeader {
  const metaPath = join(dir, EXIT_WAVE_FILE_NAMES.metadata);
  if (!existsSync(metaPath)) {
    throw new InputError(
      `exit-wave folder ${dir}: no ${EXIT_WAVE_FILE_NAMES.metadata} sidecar; the folder is incomplete or not an exit-wave folder (re-run the multislice stage)`,
    );
  }
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch (error) {
    throw new InputError(`${metaPath}: not valid JSON (${(error as Error).message})`);
  }
  const energy = meta.energy;
  const shape = meta.shape;
  const sampling = meta.sampling;
  if (typeof energy !== 'number' || !Array.isArray(shape) || !Array.isArray(sampling)) {
    throw new InputError(`${metaPath}: sidecar must give energy [eV], shape and sampling [Å]`);
  }
  const labels = meta.labels;
  return {
    dir,
    structureId:
      typeof meta.structureId === 'string' && meta.structureId.length > 0
        ? meta.structureId
        : basename(resolve(dir)),
    energy,
    shape: shape.length === 3 ? [shape[0], shape[1], shape[2]] : [1, shape[0], shape[1]],
    sampling: [sampling[0], sampling[1]],
    band: typeof meta.storedBand === 'number' && meta.storedBand > 0 ? meta.storedBand : undefined,
    simulatedBand: simulatedCutoff(meta.bandLimit),
    hasMask:
      labels !== null && labels !== undefined
        ? true
        : existsSync(join(dir, EXIT_WAVE_FILE_NAMES.union)),
  };
}

function simulatedCutoff(bandLimit: unknown): number | undefined {
  if (typeof bandLimit !== 'object' || bandLimit === null) return undefined;
  const cutoff = (bandLimit as { cutoff?: unknown }).cutoff;
  return typeof cutoff === 'number' && cutoff > 0 ? cutoff : undefined;
}

/**
 * Loads an exit-wave folder.
 * @throws InputError if the sidecar is missing or the arrays disagree with it
 */
export function loadExitWaveSet(dir: string): ExitWaveSet {
  const header = readExitWaveHeader(dir);
  const [nconf, ny, nx] = header.shape;
  const waves = readNpy(join(dir, EXIT_WAVE_FILE_NAMES.waves));
  const count = waves.shape.reduce((a, b) => a * b, 1);
  if (waves.dtype !== '<c8' || count !== nconf * ny * nx) {
    throw new InputError(
      `${dir}: ${EXIT_WAVE_FILE_NAMES.waves} is ${waves.dtype} (${waves.shape.join(', ')}), the sidecar says <c8 (${nconf}, ${ny}, ${nx})`,
    );
  }
  let mask: Uint8Array = new Uint8Array(ny * nx);
  const unionPath = join(dir, EXIT_WAVE_FILE_NAMES.union);
  if (existsSync(unionPath)) {
    const union = readNpy(unionPath);
    if (union.dtype !== '|u1' || union.data.length !== ny * nx) {
      throw new InputError(
        `${unionPath}: expected uint8 (${ny}, ${nx}), got ${union.dtype} (${union.shape.join(', ')})`,
      );
    }
    mask = union.data as Uint8Array;
  }
  return {
    waves: waves.data as Float32Array,
    nconf,
    shape: [ny, nx],
    sampling: header.sampling,
    energy: header.energy,
    mask,
    structureId: header.structureId,
    band: header.band,
    source: dir,
  };
}

/**
 * Checks an in-memory set's arrays against its declared shape.
 * @throws TypeError naming the array and the expected length
 */
export function checkExitWaveSet(set: ExitWaveSet): void {
  const [ny, nx] = set.shape;
  if (!(set.waves instanceof Float32Array) || set.waves.length !== 2 * set.nconf * ny * nx) {
    throw new TypeError(
      `exit waves of ${set.structureId} must be a Float32Array of 2·nconf·ny·nx = ${2 * set.nconf * ny * nx} values, got ${set.waves?.length}`,
    );
  }
  if (!(set.mask instanceof Uint8Array) || set.mask.length !== ny * nx) {
    throw new TypeError(
      `mask of ${set.structureId} must be a Uint8Array of ny·nx = ${ny * nx} values, got ${set.mask?.length}`,
    );
  }
}
