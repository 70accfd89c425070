/**
 * Derived optical quantities: Scherzer defocus and aperture, point resolution, information
 * limit and the zeros of the phase-contrast transfer function.
 */

import { wavelength } from '../core/energy.js';
import {
  requireFinite,
  requireInteger,
  requireNonNegative,
  requirePositive,
} from '../core/errors.js';
import { type Aberrations, activeTerms, chiAt } from './aberrations.js';

function requireCs(Cs: number): void {
  requireFinite('Cs', Cs, 'Å');
  if (Cs === 0) throw new RangeError('Cs must be non-zero for Scherzer conditions, got 0 Å');
}

/**
 * Scherzer defocus Δf_S = sign(Cs)·√(1.5·|Cs|·λ) (Scherzer 1949; Kirkland 2010 eq. 10.23), the
 * defocus (= −C10) with the widest band of uniform phase contrast. Positive for Cs > 0.
 * @param energy [eV]; Cs spherical aberration C30 [Å], ≠ 0
 * @returns defocus [Å]
 * @example scherzerDefocus(200e3, 1.3e7) // ≈ 699.3 Å
 */
export function scherzerDefocus(energy: number, Cs: number): number {
  requireCs(Cs);
  return Math.sign(Cs) * Math.sqrt(1.5 * Math.abs(Cs) * wavelength(energy));
}

/**
 * Scherzer aperture semi-angle (6λ/|Cs|)^¼ (Kirkland 2010 eq. 10.24): the angle of the first CTF
 * zero at Scherzer defocus.
 * @returns semi-angle [rad]
 */
export function scherzerAperture(energy: number, Cs: number): number {
  requireCs(Cs);
  return ((6 * wavelength(energy)) / Math.abs(Cs)) ** 0.25;
}

/**
 * Point resolution: the inverse of the first zero of sin χ at Scherzer defocus, which solves
 * χ = 0 exactly to (|Cs|λ³/6)^¼ ≈ 0.64·|Cs|^¼·λ^¾.
 * @returns resolution [Å]
 */
export function pointResolution(energy: number, Cs: number): number {
  requireCs(Cs);
  return ((Math.abs(Cs) * wavelength(energy) ** 3) / 6) ** 0.25;
}

/**
 * Information limit, defined here as 1/k where the temporal envelope falls to e⁻²:
 * ½(πλσ_f)²k⁴ = 2, so d = √(πλσ_f/2).
 * @param focalSpread σ_f [Å] (standard deviation)
 * @returns resolution [Å]; 0 for a fully coherent beam (no limit)
 */
export function informationLimit(energy: number, focalSpread: number): number {
  requireNonNegative('focalSpread', focalSpread, 'Å (standard deviation)');
  return Math.sqrt((Math.PI * wavelength(energy) * focalSpread) / 2);
}

/**
 * The first zeros of sin χ(k) along azimuth φ, excluding k = 0: each crossing is bracketed on a
 * grid of step `dk` and refined by bisection to 1e-12 1/Å.
 * @param count how many zeros (≥ 1)
 * @param kMax search limit [1/Å] (default 3)
 * @param dk bracketing step [1/Å] (default 1e-4; zeros closer than this may be missed)
 * @returns zeros [1/Å], ascending; fewer than `count` if the search ends first
 */
export function ctfZeros(
  energy: number,
  aberrations: Aberrations,
  count: number,
  options: { phi?: number; kMax?: number; dk?: number } = {},
): number[] {
  requireInteger('count', count, 1);
  const kMax = options.kMax ?? 3;
  const dk = options.dk ?? 1e-4;
  requirePositive('kMax', kMax, '1/Å');
  requirePositive('dk', dk, '1/Å');
  const lambda = wavelength(energy);
  const terms = activeTerms(aberrations);
  const phi = options.phi ?? 0;
  const f = (k: number) => Math.sin(chiAt(k, phi, lambda, terms));

  const zeros: number[] = [];
  let kPrev = dk;
  let fPrev = f(kPrev);
  for (let k = 2 * dk; k <= kMax && zeros.length < count; k += dk) {
    const fk = f(k);
    if (fk === 0 || fPrev * fk < 0) zeros.push(bisect(f, kPrev, k));
    kPrev = k;
    fPrev = fk;
  }
  return zeros;
}

function bisect(f: (x: number) => number, lo: number, hi: number): number {
  let flo = f(lo);
  while (hi - lo > 1e-12) {
    const mid = 0.5 * (lo + hi);
    const fm = f(mid);
    if (fm === 0) return mid;
    if (flo * fm < 0) hi = mid;
    else {
      lo = mid;
      flo = fm;
    }
  }
  return 0.5 * (lo + hi);
}
