/**
 * Ground-truth segmentation masks from the particles alone: each particle id's atoms (label ≥ 1)
 * are simulated in vacuum (no substrate; no phonons unless asked), the exit wave is turned into a
 * binary map (mode 'phase': |arg ψ| ≥ threshold; mode 'intensity': | |ψ|² − 1 | ≥ threshold),
 * smoothed with a Gaussian of standard deviation `smoothing` [Å], resampled to the output grid in
 * Fourier space, and thresholded again at `secondThreshold` (in (0, 1)).
 *
 * Why the second threshold is low (default 0.1): only part of a particle's projection passes the
 * first threshold — the atom columns and their surroundings, about 60 % of the pixels at the
 * centre of a 15 Å Au sphere at 300 kV and 0.1 Å, falling to 10 % near its rim where the particle
 * is thin. The smoothing fills the gaps between columns; thresholding the smoothed map at 0.1
 * puts the mask edge at the sphere's radius (15 Å sphere: smoothed map 0.12 at 14–15 Å, 0.07 at
 * 15–16 Å). Measured limits (CdSe, 300 kV, 0.1 Å): in a generic orientation spheres of radius 9,
 * 12, 15 and 20 Å give masks of 8.2, 11.8, 15.0 and 20.1 Å; with the c axis along the beam the
 * phase is concentrated on a few columns, too few pixels pass π/16, and spheres of 9–12 Å give
 * empty masks (15 Å: 4.6 Å). A mask smaller than 3/4 of the particle's projected radius raises
 * the warning 'labels-small-mask' with the remedy.
 */
import type { Atoms } from '../core/atoms.js';
import { requireFinite, requireNonNegative } from '../core/errors.js';
import { Fft2 } from '../core/fft.js';
import { fftFrequencies } from '../core/grid.js';
import { type ExitWaveSettings, type SimulationCallbacks, simulateExitWaves } from './simulate.js';
import { type LabelSet, resampleFourier } from './storage.js';

/** How masks are made; every number has a default. */
export interface LabelOptions {
  /** 'phase' (default) or 'intensity'. */
  mode?: 'phase' | 'intensity';
  /** First threshold: rad for 'phase' (default π/16), contrast for 'intensity' (default 0.05). */
  threshold?: number;
  /** Gaussian smoothing standard deviation [Å] (default 1.6); 0 for none. */
  smoothing?: number;
  /** Threshold of the smoothed map, in (0, 1) (default 0.1). */
  secondThreshold?: number;
  /** Simulate the particle with frozen phonons (default false: atoms at rest). */
  phonons?: boolean;
  /** Output grid (ny, nx); default the simulation grid. Use the stored exit-wave grid. */
  outputShape?: [number, number];
}

/**
 * Makes one mask per particle id plus their union.
 * @param atoms the full scene; only atoms with label ≥ 1 are used
 * @param settings the exit-wave settings of the scene (same grid and physics)
 * @param options see `LabelOptions`
 * @returns masks (nparticles, ny, nx) uint8 0/1, ids in increasing order, and the union
 */
export async function makeLabels(
  atoms: Atoms,
  settings: ExitWaveSettings,
  options: LabelOptions = {},
  callbacks: SimulationCallbacks = {},
): Promise<LabelSet> {
  const { mode, threshold, smoothing, second } = checkLabelOptions(options);
  const ids = [...new Set(atoms.labels)].filter((l) => l >= 1).sort((a, b) => a - b);
  const particleSettings: ExitWaveSettings = { ...settings, mergeEmptySlices: true };
  if (!options.phonons) delete particleSettings.phonons;

  let outShape = options.outputShape;
  const masks: Uint8Array[] = [];
  for (const id of ids) {
    const sub = selectAtoms(atoms, (l) => l === id);
    const result = await simulateExitWaves(sub, particleSettings, {
      onWarning: callbacks.onWarning,
    });
    const [, ny, nx] = result.shape;
    outShape ??= [ny, nx];
    const binary = binaryMap(result.waves, ny * nx, mode, threshold);
    const smooth = await smoothField(
      binary,
      [ny, nx],
      result.metadata.sampling,
      smoothing,
      outShape,
    );
    const mask = new Uint8Array(outShape[0] * outShape[1]);
    for (let i = 0; i < mask.length; i++) mask[i] = smooth[2 * i] >= second ? 1 : 0;
    warnIfSmallMask(mask, sub, outShape, { id, mode, threshold }, callbacks);
    masks.push(mask);
    callbacks.onProgress?.({ stage: 'labels', done: masks.length, total: ids.length });
  }
  outShape ??= options.outputShape ?? [0, 0];
  const size = outShape[0] * outShape[1];
  const all = new Uint8Array(masks.length * size);
  const union = new Uint8Array(size);
  masks.forEach((m, p) => {
    all.set(m, p * size);
    for (let i = 0; i < size; i++) union[i] |= m[i];
  });
  return {
    masks: all,
    shape: [masks.length, outShape[0], outShape[1]],
    union,
    particleIds: ids,
    settings: { mode, threshold, smoothing, secondThreshold: second, phonons: !!options.phonons },
  };
}

/**
 * Fills in the defaults of `LabelOptions` and checks them, so callers can refuse bad options
 * before any simulation.
 *
 * @throws RangeError for a first threshold ≤ 0 (or above π rad in phase mode), a negative
 *   smoothing [Å] or a second threshold outside (0, 1)
 * @example
 * checkLabelOptions({ smoothing: 1.6 }); // { mode: 'phase', threshold: π/16, smoothing: 1.6, second: 0.1 }
 */
export function checkLabelOptions(options: LabelOptions): {
  mode: 'phase' | 'intensity';
  threshold: number;
  smoothing: number;
  second: number;
} {
  const mode = options.mode ?? 'phase';
  const threshold = options.threshold ?? (mode === 'phase' ? Math.PI / 16 : 0.05);
  const smoothing = options.smoothing ?? 1.6;
  const second = options.secondThreshold ?? 0.1;
  requireFinite('labels threshold', threshold, mode === 'phase' ? 'rad' : '(contrast)');
  const ceiling = mode === 'phase' ? Math.PI : Number.POSITIVE_INFINITY;
  if (!(threshold > 0 && threshold <= ceiling)) {
    throw new RangeError(
      mode === 'phase'
        ? `labels threshold must be in (0, π] rad (|arg ψ| is at most π), got ${threshold} rad`
        : `labels threshold must be > 0 (a contrast), got ${threshold}`,
    );
  }
  requireNonNegative('labels smoothing', smoothing, 'Å');
  if (!(second > 0 && second < 1)) {
    throw new RangeError(`labels secondThreshold must be in (0, 1), got ${second}`);
  }
  return { mode, threshold, smoothing, second };
}

/**
 * Raises 'labels-small-mask' when a particle's mask is under 3/4 of its projected radius: too few
 * pixels passed the first threshold (small or zone-axis particles; see the module doc).
 */
function warnIfSmallMask(
  mask: Uint8Array,
  particle: Atoms,
  shape: [number, number],
  how: { id: number; mode: string; threshold: number },
  callbacks: SimulationCallbacks,
): void {
  let area = 0;
  for (const v of mask) area += v;
  const pixelArea = (particle.cell[0] / shape[1]) * (particle.cell[1] / shape[0]);
  const expected = projectedRadius(particle);
  const found = Math.sqrt((area * pixelArea) / Math.PI);
  if (found >= 0.75 * expected) return;
  callbacks.onWarning?.({
    code: 'labels-small-mask',
    message:
      `labels: the mask of particle ${how.id} has an equivalent radius of ${found.toFixed(1)} Å, ` +
      `less than 3/4 of the ${expected.toFixed(1)} Å its atoms span in projection: too few ` +
      `pixels passed the ${how.mode} threshold ${how.threshold.toPrecision(3)} (small or ` +
      'zone-axis particles); lower labels.threshold or labels.secondThreshold',
  });
}

/**
 * Radius [Å] of the disc with the same second moment as the atoms' projection onto the xy plane
 * (a sphere of radius R projects to R). Positions are taken relative to their circular mean on
 * the periodic cell, so a particle across the boundary is measured whole.
 *
 * @param atoms the particle's atoms (positions [Å] in a cell periodic in x and y)
 * @returns the equivalent radius [Å]; 0 for no atoms
 * @example
 * projectedRadius(sphereOfRadius20); // ≈ 20
 */
export function projectedRadius(atoms: Atoms): number {
  const n = atoms.numbers.length;
  if (n === 0) return 0;
  let m2 = 0;
  for (let axis = 0; axis < 2; axis++) {
    const length = atoms.cell[axis];
    let c = 0;
    let s = 0;
    for (let j = 0; j < n; j++) {
      const angle = (2 * Math.PI * atoms.positions[3 * j + axis]) / length;
      c += Math.cos(angle);
      s += Math.sin(angle);
    }
    const centre = (Math.atan2(s, c) * length) / (2 * Math.PI);
    for (let j = 0; j < n; j++) {
      const d = atoms.positions[3 * j + axis] - centre;
      m2 += (d - length * Math.round(d / length)) ** 2 / n;
    }
  }
  // A uniform ball of radius R has ⟨x² + y²⟩ = 2R²/5.
  return Math.sqrt(2.5 * m2);
}

/** The atoms whose label passes `keep`, in the same cell. */
export function selectAtoms(atoms: Atoms, keep: (label: number) => boolean): Atoms {
  const idx: number[] = [];
  for (let j = 0; j < atoms.labels.length; j++) if (keep(atoms.labels[j])) idx.push(j);
  const positions = new Float64Array(3 * idx.length);
  idx.forEach((j, t) => {
    positions.set(atoms.positions.subarray(3 * j, 3 * j + 3), 3 * t);
  });
  return {
    cell: [...atoms.cell],
    numbers: Uint8Array.from(idx, (j) => atoms.numbers[j]),
    positions,
    labels: Int32Array.from(idx, (j) => atoms.labels[j]),
  };
}

function binaryMap(
  wave: Float32Array,
  n: number,
  mode: 'phase' | 'intensity',
  threshold: number,
): Float32Array {
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const re = wave[2 * i];
    const im = wave[2 * i + 1];
    const value = mode === 'phase' ? Math.abs(Math.atan2(im, re)) : Math.abs(re * re + im * im - 1);
    out[2 * i] = value >= threshold ? 1 : 0;
  }
  return out;
}

/** Gaussian smoothing (σ [Å]) in Fourier space, then resampling to `target` (ny, nx). */
async function smoothField(
  field: Float32Array,
  shape: [number, number],
  sampling: [number, number],
  sigma: number,
  target: [number, number],
): Promise<Float32Array> {
  const [ny, nx] = shape;
  if (sigma > 0) {
    const fft = await Fft2.create(ny, nx);
    fft.forward(field);
    const kx = fftFrequencies(nx, sampling[1]);
    const ky = fftFrequencies(ny, sampling[0]);
    const c = -2 * Math.PI * Math.PI * sigma * sigma;
    for (let iy = 0; iy < ny; iy++) {
      for (let ix = 0; ix < nx; ix++) {
        const g = Math.exp(c * (kx[ix] ** 2 + ky[iy] ** 2));
        field[2 * (iy * nx + ix)] *= g;
        field[2 * (iy * nx + ix) + 1] *= g;
      }
    }
    fft.inverse(field);
    fft.dispose();
  }
  return resampleFourier(field, [1, ny, nx], target);
}
