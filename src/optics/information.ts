/**
 * The CTF information framework: how much object information an imaging domain transfers, and
 * how much two domains' transfer agrees. Definitions and derivations: docs/ctf-framework.md.
 *
 * A domain is represented by sampled optical conditions c (drawn from its distribution). For each
 * condition the phase-contrast transfer is T_c(k) = A(k)·E_t(k)·E_s(k)·sin χ_c(k) — the linear
 * (weak-phase) response of image contrast to the object's phase at spatial frequency k. An object
 * power spectrum W(k) (measured from the sweep's own exit waves) weights frequencies by how much
 * object signal they carry. Integrals run over the 2D frequency plane up to kMax (the image
 * Nyquist frequency): ∫ f d²k = ∫∫ f(k, φ) k dk dφ, evaluated on a polar grid.
 *
 *   ε(X)      = E_c∈X [ ⟨T_c²⟩_W ]                        information content, in [0, 1]
 *   σ_s(X,X') = E_c∈X,c'∈X' [ ⟨T_c T_c'⟩_W / √(⟨T_c²⟩_W ⟨T_c'²⟩_W) ]   signed overlap, in [−1, 1]
 *   σ_m(X,X') = same with |T_c|, |T_c'|                    magnitude overlap, in [0, 1]
 * with ⟨f⟩_W = ∫ W f d²k / ∫ W d²k. Shifts: Δ = 1 − σ (0 for identical domains).
 */

import { wavelength } from '../core/energy.js';
import { requireInteger, requirePositive } from '../core/errors.js';
import { activeTerms, chiAt } from './aberrations.js';
import type { OpticalCondition } from './condition.js';
import { apertureTransmission, spatialEnvelope, temporalEnvelope } from './envelopes.js';

/** A polar sampling of the frequency plane with quadrature weights W(k)·k·dk·dφ, normalised. */
export interface SpectralGrid {
  /** Radial frequencies [1/Å] (midpoints), length nk. */
  k: Float64Array;
  /** Azimuths [rad], length nphi. */
  phi: Float64Array;
  /** Normalised weights, length nk·nphi (index ik·nphi + iphi), summing to 1. */
  weight: Float64Array;
}

/**
 * Builds the weighted polar grid.
 * @param kMax upper frequency [1/Å] (usually the image Nyquist frequency 1/(2·pixel size))
 * @param objectSpectrum W(k) ≥ 0 as a function of frequency [1/Å]; a flat spectrum if omitted
 * @param nk radial samples (default 256); nphi azimuthal samples (default 1 for round optics;
 *   use ≥ 16 when conditions include non-round aberrations)
 */
export function spectralGrid(
  kMax: number,
  objectSpectrum: (k: number) => number = () => 1,
  nk = 256,
  nphi = 1,
): SpectralGrid {
  requirePositive('kMax', kMax, '1/Å');
  requireInteger('nk', nk, 2);
  requireInteger('nphi', nphi, 1);
  const k = new Float64Array(nk);
  const phi = new Float64Array(nphi);
  const weight = new Float64Array(nk * nphi);
  const dk = kMax / nk;
  for (let j = 0; j < nphi; j++) phi[j] = (Math.PI * j) / nphi;
  let total = 0;
  for (let i = 0; i < nk; i++) {
    k[i] = (i + 0.5) * dk;
    const w = Math.max(0, objectSpectrum(k[i])) * k[i];
    for (let j = 0; j < nphi; j++) {
      weight[i * nphi + j] = w;
      total += w;
    }
  }
  if (!(total > 0)) throw new RangeError('objectSpectrum must be positive somewhere below kMax');
  for (let i = 0; i < weight.length; i++) weight[i] /= total;
  return { k, phi, weight };
}

/**
 * T_c on the grid (A·E_t·E_s·sin χ) for each condition.
 * @returns one Float64Array per condition, index ik·nphi + iphi
 */
export function transferOnGrid(
  conditions: readonly OpticalCondition[],
  grid: SpectralGrid,
): Float64Array[] {
  return conditions.map((c) => {
    const lambda = wavelength(c.energy);
    const terms = activeTerms(c.aberrations);
    const nphi = grid.phi.length;
    const out = new Float64Array(grid.k.length * nphi);
    for (let i = 0; i < grid.k.length; i++) {
      const k = grid.k[i];
      const damping =
        apertureTransmission(lambda * k, c.aperture, c.apertureEdge) *
        temporalEnvelope(k, lambda, c.focalSpread);
      for (let j = 0; j < nphi; j++) {
        const phi = grid.phi[j];
        const spatial = spatialEnvelope(k, phi, lambda, c.convergence, terms);
        out[i * nphi + j] = damping * spatial * Math.sin(chiAt(k, phi, lambda, terms));
      }
    }
    return out;
  });
}

function weightedDot(
  w: Float64Array,
  a: Float64Array,
  b: Float64Array,
  magnitude: boolean,
): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i] * (magnitude ? Math.abs(a[i] * b[i]) : a[i] * b[i]);
  return s;
}

/**
 * Information content ε(X): the W-weighted mean of T_c² over the frequency plane, averaged over
 * the domain's conditions. 1 would be perfect phase contrast at every frequency; 0 none.
 */
export function informationContent(transfers: readonly Float64Array[], grid: SpectralGrid): number {
  if (transfers.length === 0)
    throw new RangeError('informationContent needs at least one condition');
  let sum = 0;
  for (const t of transfers) sum += weightedDot(grid.weight, t, t, false);
  return sum / transfers.length;
}

/** Signed and magnitude overlaps of two domains, and the shifts 1 − σ. */
export interface DomainOverlap {
  signed: number;
  magnitude: number;
  signedShift: number;
  magnitudeShift: number;
}

/**
 * Overlap σ(X, X′): the normalised W-weighted inner product of transfer functions, averaged over
 * all pairs of conditions from the two domains. Signed: contrast reversals count negative.
 * Magnitude: only where information is transferred, regardless of sign. A condition that
 * transfers nothing (T ≡ 0) contributes 0 to both.
 */
export function domainOverlap(
  a: readonly Float64Array[],
  b: readonly Float64Array[],
  grid: SpectralGrid,
): DomainOverlap {
  if (a.length === 0 || b.length === 0)
    throw new RangeError('domainOverlap needs conditions in both domains');
  const normA = a.map((t) => Math.sqrt(weightedDot(grid.weight, t, t, false)));
  const normB = b.map((t) => Math.sqrt(weightedDot(grid.weight, t, t, false)));
  let signed = 0;
  let magnitude = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const norm = normA[i] * normB[j];
      if (norm === 0) continue;
      signed += weightedDot(grid.weight, a[i], b[j], false) / norm;
      magnitude += weightedDot(grid.weight, a[i], b[j], true) / norm;
    }
  }
  const pairs = a.length * b.length;
  signed /= pairs;
  magnitude /= pairs;
  return { signed, magnitude, signedShift: 1 - signed, magnitudeShift: 1 - magnitude };
}
