/**
 * The coherent transfer function T(k) = A(k)·E_t(k)·E_s(k)·exp(−iχ(k)) on a 2D reciprocal grid,
 * and its radial profile with the phase-contrast transfer sin χ used in plots.
 *
 * The image wave is the exit wave's spectrum times T, inverse transformed. The grid is in FFT
 * order (zero frequency at index 0, NumPy `fftfreq` layout), shape (ny, nx), row-major.
 */

import { wavelength } from '../core/energy.js';
import { requireInteger, requirePositive } from '../core/errors.js';
import { activeTerms, chiAt } from './aberrations.js';
import type { OpticalCondition } from './condition.js';
import { apertureTransmission, spatialEnvelope, temporalEnvelope } from './envelopes.js';

/** Which envelopes to include; both by default. */
export interface EnvelopeOptions {
  temporal?: boolean;
  spatial?: boolean;
}

/** Sampled radial profile of the transfer function along one azimuth. */
export interface RadialProfile {
  /** Spatial frequencies [1/Å]. */
  k: Float64Array;
  /** χ [rad]. */
  chi: Float64Array;
  /** Phase-contrast transfer sin χ (coherent, no envelopes). */
  sinChi: Float64Array;
  /** Temporal envelope E_t. */
  temporal: Float64Array;
  /** Spatial envelope E_s. */
  spatial: Float64Array;
  /** Aperture transmission A. */
  aperture: Float64Array;
  /** A·E_t·E_s·sin χ: the damped phase-contrast transfer. */
  ctf: Float64Array;
}

/**
 * Evaluates the transfer function along a radial line.
 * @param condition validated optical condition
 * @param k spatial frequencies [1/Å]
 * @param phi azimuth of the line [rad] (matters only for non-round aberrations)
 */
export function radialProfile(
  condition: OpticalCondition,
  k: ArrayLike<number>,
  phi = 0,
): RadialProfile {
  const lambda = wavelength(condition.energy);
  const terms = activeTerms(condition.aberrations);
  const n = k.length;
  const out: RadialProfile = {
    k: Float64Array.from(k),
    chi: new Float64Array(n),
    sinChi: new Float64Array(n),
    temporal: new Float64Array(n),
    spatial: new Float64Array(n),
    aperture: new Float64Array(n),
    ctf: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const ki = out.k[i];
    out.chi[i] = chiAt(ki, phi, lambda, terms);
    out.sinChi[i] = Math.sin(out.chi[i]);
    out.temporal[i] = temporalEnvelope(ki, lambda, condition.focalSpread);
    out.spatial[i] = spatialEnvelope(ki, phi, lambda, condition.convergence, terms);
    out.aperture[i] = apertureTransmission(lambda * ki, condition.aperture, condition.apertureEdge);
    out.ctf[i] = out.aperture[i] * out.temporal[i] * out.spatial[i] * out.sinChi[i];
  }
  return out;
}

/** A 2D sampling grid. */
export interface GridSpec {
  /** (ny, nx) pixels. */
  shape: readonly [number, number];
  /** (sy, sx) real-space pixel size [Å]. */
  sampling: readonly [number, number];
}

/** exp(−x) for x above this is below the smallest float32 subnormal and stores as 0. */
const FLOAT32_UNDERFLOW_EXPONENT = 104;
/** Half the smallest float32 subnormal: smaller amplitudes store as 0. */
const FLOAT32_SMALLEST = 7e-46;

/** Spatial frequencies [1/Å] of an n-point FFT with real-space step `d` [Å], NumPy fftfreq order. */
function frequencies(n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (i < Math.ceil(n / 2) ? i : i - n) / (n * d);
  return out;
}

/**
 * The complex transfer function T(k) = A·E_t·E_s·exp(−iχ) on a grid.
 * @param condition validated optical condition
 * @param grid shape (ny, nx) and sampling (sy, sx) [Å]
 * @param envelopes which quasi-coherent envelopes to apply (both by default)
 * @param out optional output buffer of 2·ny·nx floats, reused when given
 * @returns interleaved complex64, shape (ny, nx), FFT order
 */
export function transferFunctionGrid(
  condition: OpticalCondition,
  grid: GridSpec,
  envelopes: EnvelopeOptions = {},
  out?: Float32Array,
): Float32Array {
  const [ny, nx] = grid.shape;
  requireInteger('grid.shape[0] (ny)', ny, 1);
  requireInteger('grid.shape[1] (nx)', nx, 1);
  requirePositive('grid.sampling[0] (sy)', grid.sampling[0], 'Å');
  requirePositive('grid.sampling[1] (sx)', grid.sampling[1], 'Å');
  const result = out ?? new Float32Array(2 * ny * nx);
  if (result.length !== 2 * ny * nx) {
    throw new TypeError(`out must hold 2·ny·nx = ${2 * ny * nx} floats, got ${result.length}`);
  }

  const lambda = wavelength(condition.energy);
  const terms = activeTerms(condition.aberrations);
  const round = terms.every((t) => t.m === 0);
  const useTemporal = envelopes.temporal !== false && condition.focalSpread > 0;
  const useSpatial = envelopes.spatial !== false && condition.convergence > 0;
  const ky = frequencies(ny, grid.sampling[0]);
  const kx = frequencies(nx, grid.sampling[1]);

  if (round && terms.every((t) => t.n === 1 || t.n === 3 || t.n === 5)) {
    fillRound(result, condition, lambda, kx, ky, useTemporal, useSpatial);
    return result;
  }
  for (let iy = 0; iy < ny; iy++) {
    const kyv = ky[iy];
    for (let ix = 0; ix < nx; ix++) {
      const kxv = kx[ix];
      const k = Math.sqrt(kxv * kxv + kyv * kyv);
      const phi = Math.atan2(kyv, kxv);
      let amplitude = apertureTransmission(lambda * k, condition.aperture, condition.apertureEdge);
      if (amplitude > 0 && useTemporal)
        amplitude *= temporalEnvelope(k, lambda, condition.focalSpread);
      if (amplitude > 0 && useSpatial) {
        amplitude *= spatialEnvelope(k, phi, lambda, condition.convergence, terms);
      }
      if (amplitude < FLOAT32_SMALLEST) amplitude = 0;
      const chi = amplitude > 0 ? chiAt(k, phi, lambda, terms) : 0;
      const index = 2 * (iy * nx + ix);
      result[index] = amplitude * Math.cos(chi);
      result[index + 1] = -amplitude * Math.sin(chi);
    }
  }
  return result;
}

/**
 * Fast path for round aberrations (C10, C30, C50): χ, its gradient and the envelopes are
 * polynomials in k², evaluated without powers or trigonometry of the azimuth.
 */
function fillRound(
  result: Float32Array,
  condition: OpticalCondition,
  lambda: number,
  kx: Float64Array,
  ky: Float64Array,
  useTemporal: boolean,
  useSpatial: boolean,
): void {
  const c1 = condition.aberrations.C10 ?? 0;
  const c3 = condition.aberrations.C30 ?? 0;
  const c5 = condition.aberrations.C50 ?? 0;
  // χ = a1 k² + a2 k⁴ + a3 k⁶; |∇_θχ| = 2πk (C10 + C30 λ²k² + C50 λ⁴k⁴).
  const a1 = Math.PI * lambda * c1;
  const a2 = (Math.PI / 2) * lambda ** 3 * c3;
  const a3 = (Math.PI / 3) * lambda ** 5 * c5;
  const delta = Math.SQRT2 * condition.focalSpread;
  const temporal = useTemporal ? 0.25 * (Math.PI * lambda * delta) ** 2 : 0;
  const spatial = useSpatial ? (condition.convergence / 2) ** 2 * (2 * Math.PI) ** 2 : 0;
  const g3 = c3 * lambda * lambda;
  const g5 = c5 * lambda ** 4;
  const cutoff = condition.aperture / lambda;
  const edge = condition.apertureEdge / lambda;
  const nx = kx.length;
  for (let iy = 0; iy < ky.length; iy++) {
    const ky2 = ky[iy] * ky[iy];
    const row = 2 * iy * nx;
    for (let ix = 0; ix < nx; ix++) {
      const k2 = kx[ix] * kx[ix] + ky2;
      let amplitude = 1;
      if (cutoff !== Infinity) {
        const k = Math.sqrt(k2);
        amplitude =
          edge === 0 ? (k <= cutoff ? 1 : 0) : Math.min(1, Math.max(0, 0.5 + (cutoff - k) / edge));
      }
      const index = row + 2 * ix;
      if (amplitude === 0) {
        result[index] = 0;
        result[index + 1] = 0;
        continue;
      }
      const k4 = k2 * k2;
      let exponent = temporal * k4;
      if (spatial !== 0) {
        const g = c1 + g3 * k2 + g5 * k4;
        exponent += spatial * k2 * g * g;
      }
      if (exponent > FLOAT32_UNDERFLOW_EXPONENT) {
        result[index] = 0;
        result[index + 1] = 0;
        continue;
      }
      if (exponent !== 0) amplitude *= Math.exp(-exponent);
      const chi = k2 * (a1 + k2 * (a2 + k2 * a3));
      result[index] = amplitude * Math.cos(chi);
      result[index + 1] = -amplitude * Math.sin(chi);
    }
  }
}
