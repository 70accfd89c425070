/**
 * Partial-coherence envelopes of the transfer function, the objective aperture, and the
 * defocus sampling used for an explicit incoherent focal-spread average.
 *
 * Widths: the focal spread σ_f is the standard deviation [Å] of a Gaussian distribution of
 * defocus; the quasi-coherent envelope uses its 1/e half-width δ = √2·σ_f. The convergence α is
 * the 1/e semi-angle [rad] of a Gaussian source-angle distribution.
 */
import { requireFinite, requireInteger, requireNonNegative } from '../core/errors.js';
import { type ActiveTerm, chiGradientSquared } from './aberrations.js';

/** σ / FWHM of a Gaussian: FWHM = 2√(2 ln 2) σ ≈ 2.3548 σ. */
export const FWHM_PER_STD = 2 * Math.sqrt(2 * Math.LN2);

/** Converts a Gaussian full width at half maximum to a standard deviation (same unit). */
export function fwhmToStd(fwhm: number): number {
  return fwhm / FWHM_PER_STD;
}

/**
 * Quasi-coherent temporal (focal-spread) envelope, Kirkland (2010) eq. 3.42:
 *   E_t(k) = exp(−¼(πλδ)² k⁴), δ = √2·σ_f.
 * @param k spatial frequency [1/Å]
 * @param lambda wavelength [Å]
 * @param focalSpread σ_f, standard deviation of the defocus distribution [Å], ≥ 0
 * @returns E_t in (0, 1]
 */
export function temporalEnvelope(k: number, lambda: number, focalSpread: number): number {
  const delta = Math.SQRT2 * focalSpread;
  const a = Math.PI * lambda * delta * k * k;
  return Math.exp(-0.25 * a * a);
}

/**
 * Quasi-coherent spatial (source-size) envelope for arbitrary aberrations:
 *   E_s(k) = exp(−(α/2)² |∇_θ χ|²), θ = λk,
 * which for C10 and C30 alone reduces to exp(−(πα/λ)²(C30λ³k³ + C10λk)²) (Kirkland 2010
 * eq. 3.46 with C10 = −Δf).
 * @param k spatial frequency [1/Å]; phi its azimuth [rad]
 * @param lambda wavelength [Å]
 * @param convergence α, 1/e semi-angle of the illumination [rad], ≥ 0
 * @param terms non-zero aberration terms (`activeTerms`)
 * @returns E_s in (0, 1]
 */
export function spatialEnvelope(
  k: number,
  phi: number,
  lambda: number,
  convergence: number,
  terms: readonly ActiveTerm[],
): number {
  if (convergence === 0) return 1;
  const half = convergence / 2;
  return Math.exp(-half * half * chiGradientSquared(k, phi, lambda, terms));
}

/**
 * Objective aperture transmission at scattering angle θ = λk.
 * Hard edge (edge = 0): 1 inside θ ≤ cutoff, 0 outside. Soft edge: a linear ramp of full width
 * `edge` [rad] centred on the cutoff, so the transmission is 1/2 at the cutoff.
 * @param theta scattering angle [rad]
 * @param cutoff aperture semi-angle [rad]; Infinity for no aperture
 * @param edge ramp width [rad], ≥ 0
 */
export function apertureTransmission(theta: number, cutoff: number, edge: number): number {
  if (cutoff === Infinity) return 1;
  if (edge === 0) return theta <= cutoff ? 1 : 0;
  return Math.min(1, Math.max(0, 0.5 + (cutoff - theta) / edge));
}

/** Instrument stabilities behind a focal spread, each a relative standard deviation. */
export interface FocalSpreadSources {
  /** Chromatic aberration coefficient Cc [Å] (1.2 mm = 1.2e7 Å). */
  Cc: number;
  /** σ_E / E: standard deviation of the electron energy over the energy (dimensionless). */
  energySpreadRelStd?: number;
  /** σ_I / I: standard deviation of the objective-lens current over the current. */
  currentRelStd?: number;
  /** σ_V / V: standard deviation of the accelerating voltage over the voltage. */
  voltageRelStd?: number;
}

/**
 * Focal-spread standard deviation from instrument values (Reimer & Kohl 2008, eq. 6.43; the lens
 * current enters twice because the focal length goes as 1/I²):
 *   σ_f = Cc · √((σ_E/E)² + 4(σ_I/I)² + (σ_V/V)²)
 * Every input is a standard deviation; convert a FWHM with `fwhmToStd` first. No relativistic
 * factor is applied to σ_E/E; Reimer's corrected form multiplies it by (1 + E/mc²)/(1 + E/2mc²)
 * (about 1.23 at 300 kV): apply that to `energySpreadRelStd` if you need it.
 * @returns σ_f [Å]
 */
export function focalSpreadFromInstrument(sources: FocalSpreadSources): number {
  requireNonNegative('Cc', sources.Cc, 'Å');
  const e = sources.energySpreadRelStd ?? 0;
  const i = sources.currentRelStd ?? 0;
  const v = sources.voltageRelStd ?? 0;
  requireNonNegative('energySpreadRelStd', e, '(relative)');
  requireNonNegative('currentRelStd', i, '(relative)');
  requireNonNegative('voltageRelStd', v, '(relative)');
  return sources.Cc * Math.sqrt(e * e + 4 * i * i + v * v);
}

/** Defocus offsets [Å] and normalised weights of a Gaussian focal-spread average. */
export interface DefocusSamples {
  offsets: Float64Array;
  weights: Float64Array;
}

/**
 * Evenly spaced defocus offsets over ±`extent`·σ_f with Gaussian weights summing to 1, for the
 * explicit incoherent average over focal spread (the image intensity is averaged; no envelope).
 * @param focalSpread σ_f [Å] ≥ 0; 0 gives a single sample
 * @param count number of samples ≥ 1 (odd counts include the nominal defocus)
 * @param extent half-range in units of σ_f (default 3)
 */
export function defocusSamples(focalSpread: number, count: number, extent = 3): DefocusSamples {
  requireNonNegative('focalSpread', focalSpread, 'Å');
  requireInteger('count', count, 1);
  requireFinite('extent', extent, 'σ');
  if (focalSpread === 0 || count === 1) {
    return { offsets: new Float64Array([0]), weights: new Float64Array([1]) };
  }
  const offsets = new Float64Array(count);
  const weights = new Float64Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const x = -extent + (2 * extent * i) / (count - 1);
    offsets[i] = x * focalSpread;
    weights[i] = Math.exp(-0.5 * x * x);
    total += weights[i];
  }
  for (let i = 0; i < count; i++) weights[i] /= total;
  return { offsets, weights };
}
