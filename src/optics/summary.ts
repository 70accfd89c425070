/**
 * A summary of one optical condition: the numbers `hrtem ctf` prints and writes.
 */
import { interactionParameter, wavelength } from '../core/energy.js';
import type { OpticalCondition } from './condition.js';
import {
  ctfZeros,
  informationLimit,
  pointResolution,
  scherzerAperture,
  scherzerDefocus,
} from './derived.js';
import { type RadialProfile, radialProfile } from './transfer.js';

/** Derived values of an optical condition, in base units. */
export interface OpticsSummary {
  energy: number;
  wavelength: number;
  interactionParameter: number;
  defocus: number;
  Cs: number;
  /** Scherzer values, or null when Cs = 0. */
  scherzerDefocus: number | null;
  scherzerAperture: number | null;
  pointResolution: number | null;
  /** 1/k where E_t = e⁻² [Å]; null for a coherent beam. */
  informationLimit: number | null;
  /** First zeros of sin χ along φ = 0 [1/Å]. */
  ctfZeros: number[];
}

/**
 * Computes the summary and a radial profile from k = 0 to `kMax`.
 * @param options.kMax end of the profile [1/Å] > 0; samples: profile points (≥ 2, default 1000);
 *   zeros: how many zeros of sin χ to list (default 5), searched up to zeroSearchKMax (default 4 1/Å)
 */
export function summarizeOptics(
  condition: OpticalCondition,
  options: { kMax: number; samples?: number; zeros?: number; zeroSearchKMax?: number },
): { summary: OpticsSummary; profile: RadialProfile } {
  const Cs = condition.aberrations.C30 ?? 0;
  const samples = options.samples ?? 1000;
  const k = Array.from({ length: samples }, (_, i) => (i * options.kMax) / (samples - 1));
  const summary: OpticsSummary = {
    energy: condition.energy,
    wavelength: wavelength(condition.energy),
    interactionParameter: interactionParameter(condition.energy),
    defocus: -(condition.aberrations.C10 ?? 0),
    Cs,
    scherzerDefocus: Cs === 0 ? null : scherzerDefocus(condition.energy, Cs),
    scherzerAperture: Cs === 0 ? null : scherzerAperture(condition.energy, Cs),
    pointResolution: Cs === 0 ? null : pointResolution(condition.energy, Cs),
    informationLimit:
      condition.focalSpread > 0 ? informationLimit(condition.energy, condition.focalSpread) : null,
    ctfZeros: ctfZeros(condition.energy, condition.aberrations, options.zeros ?? 5, {
      kMax: options.kMax,
    }),
  };
  return { summary, profile: radialProfile(condition, k) };
}
