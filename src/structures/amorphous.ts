/**
 * Amorphous films by random sequential addition (RSA) of hard spheres: atoms are dropped at
 * uniform random positions and kept when no kept atom lies closer than the minimum distance.
 * A uniform grid of cells at least one minimum distance wide (spatial hashing) makes each test look
 * at 27 cells only, so the run time grows linearly with the number of atoms.
 *
 * The film is periodic in x and y and bounded by z0 ≤ z ≤ z0 + thickness. RSA of spheres jams at
 * a packing fraction of 0.3841 (S. Torquato, O. U. Uche, F. H. Stillinger, Phys. Rev. E 74,
 * 061308 (2006)); random close packing is about 0.64 (G. D. Scott, D. M. Kilgour, J. Phys. D 2,
 * 863 (1969)). A requested density whose packing fraction ρ·(π/6)·d³ reaches either limit is
 * refused up front, and the number of trials is capped so the generator always ends.
 */
import { atomicNumber } from '../core/elements.js';
import { InputError, requireNonNegative, requirePositive } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { AtomList } from './crystal.js';

/** Packing fraction at which random sequential addition of spheres jams. */
export const RSA_JAMMING_FRACTION = 0.3841;
/**
 * Largest packing fraction accepted: RSA needs about 300 trials per atom at 0.35 (measured) and
 * diverges towards the jamming limit.
 */
export const RSA_MAX_FRACTION = 0.35;
/** Packing fraction of random close packing of spheres. */
export const RANDOM_CLOSE_PACKING_FRACTION = 0.64;
/** Default number density of amorphous carbon [atoms/Å³] (≈ 2.2 g/cm³). */
export const AMORPHOUS_CARBON_DENSITY = 0.11;
/** Default minimum C–C distance in amorphous carbon [Å]. */
export const AMORPHOUS_CARBON_MIN_DISTANCE = 1.4;

/** Parameters of an amorphous film. */
export interface AmorphousFilmOptions {
  /** Element symbol, e.g. "C". */
  element: string;
  /** Lateral size along x and y [Å] (periodic). */
  lx: number;
  ly: number;
  /** Film thickness along z [Å]. */
  thickness: number;
  /** z of the film's lower face [Å]. Default 0. */
  z0?: number;
  /** Number density [atoms/Å³]. */
  density: number;
  /** Minimum distance between atoms [Å]. */
  minDistance: number;
  /** Trials allowed per atom before giving up. Default 1000. */
  maxTrialsPerAtom?: number;
}

/** The film and what it took to make it. */
export interface AmorphousFilm extends AtomList {
  trials: number;
  packingFraction: number;
}

/**
 * Generates an amorphous film by random sequential addition.
 *
 * @returns round(density · lx · ly · thickness) atoms, no pair closer than minDistance (periodic
 *   in x and y)
 * @throws InputError if the density cannot be reached at this minimum distance, RangeError for
 *   out-of-range sizes
 */
export function amorphousFilm(options: AmorphousFilmOptions, rng: Rng): AmorphousFilm {
  const { lx, ly, thickness, density, minDistance } = options;
  const z0 = options.z0 ?? 0;
  const z = atomicNumber(options.element);
  requirePositive('film minDistance', minDistance, 'Å');
  requirePositive('film density', density, 'atoms/Å³');
  requirePositive('film thickness', thickness, 'Å');
  requireNonNegative('film z0', z0, 'Å');
  for (const [name, v] of [
    ['film lx', lx],
    ['film ly', ly],
  ] as const) {
    requirePositive(name, v, 'Å');
    if (v < 3 * minDistance) {
      throw new RangeError(`${name} must be ≥ 3 × minDistance = ${3 * minDistance} Å, got ${v} Å`);
    }
  }
  const count = Math.round(density * lx * ly * thickness);
  const fraction = (density * Math.PI * minDistance ** 3) / 6;
  if (fraction >= RANDOM_CLOSE_PACKING_FRACTION) {
    throw new InputError(
      `amorphous ${options.element}: density ${density} atoms/Å³ with minimum distance ${minDistance} Å needs a packing fraction of ${fraction.toFixed(3)}, above random close packing (${RANDOM_CLOSE_PACKING_FRACTION}); this is impossible: lower the density or the minimum distance`,
    );
  }
  if (fraction > RSA_MAX_FRACTION) {
    throw new InputError(
      `amorphous ${options.element}: density ${density} atoms/Å³ with minimum distance ${minDistance} Å needs a packing fraction of ${fraction.toFixed(3)}, beyond what random sequential addition reaches in reasonable time (${RSA_MAX_FRACTION}; it jams at ${RSA_JAMMING_FRACTION}); lower the density or the minimum distance`,
    );
  }

  const nx = Math.floor(lx / minDistance);
  const ny = Math.floor(ly / minDistance);
  const nz = Math.max(1, Math.floor(thickness / minDistance));
  const cx = lx / nx;
  const cy = ly / ny;
  const cz = thickness / nz;
  const head = new Int32Array(nx * ny * nz).fill(-1);
  const next = new Int32Array(count);
  const pos = new Float64Array(3 * count);
  const d2 = minDistance * minDistance;
  const maxTrials = (options.maxTrialsPerAtom ?? 1000) * Math.max(count, 1);
  let placed = 0;
  let trials = 0;

  while (placed < count) {
    if (trials >= maxTrials) {
      throw new InputError(
        `amorphous ${options.element}: placed only ${placed} of ${count} atoms (density ${(placed / (lx * ly * thickness) || 0).toFixed(4)} of ${density} atoms/Å³) in ${trials} trials with minimum distance ${minDistance} Å; lower the density or the minimum distance`,
      );
    }
    trials++;
    const x = rng.random() * lx;
    const y = rng.random() * ly;
    const zz = z0 + rng.random() * thickness;
    const ix = Math.min(nx - 1, Math.floor(x / cx));
    const iy = Math.min(ny - 1, Math.floor(y / cy));
    const iz = Math.min(nz - 1, Math.floor((zz - z0) / cz));
    if (tooClose(x, y, zz, ix, iy, iz)) continue;
    const cell = (iz * ny + iy) * nx + ix;
    pos[3 * placed] = x;
    pos[3 * placed + 1] = y;
    pos[3 * placed + 2] = zz;
    next[placed] = head[cell];
    head[cell] = placed;
    placed++;
  }

  function tooClose(x: number, y: number, zz: number, ix: number, iy: number, iz: number): boolean {
    for (let dz = -1; dz <= 1; dz++) {
      const jz = iz + dz;
      if (jz < 0 || jz >= nz) continue;
      for (let dy = -1; dy <= 1; dy++) {
        const jy = (iy + dy + ny) % ny;
        for (let dx = -1; dx <= 1; dx++) {
          const jx = (ix + dx + nx) % nx;
          for (let k = head[(jz * ny + jy) * nx + jx]; k >= 0; k = next[k]) {
            let ddx = pos[3 * k] - x;
            let ddy = pos[3 * k + 1] - y;
            const ddz = pos[3 * k + 2] - zz;
            ddx -= lx * Math.round(ddx / lx);
            ddy -= ly * Math.round(ddy / ly);
            if (ddx * ddx + ddy * ddy + ddz * ddz < d2) return true;
          }
        }
      }
    }
    return false;
  }

  return {
    numbers: new Array<number>(count).fill(z),
    positions: Array.from(pos),
    trials,
    packingFraction: fraction,
  };
}
