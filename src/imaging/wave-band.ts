/**
 * The band of an exit wave that a domain's images can depend on.
 *
 * In the quasi-coherent mode the image wave is the exit wave times A(k)·E_t(k)·E_s(k)·exp(−iχ).
 * Beyond the frequency where the aperture closes, or where the temporal envelope
 *   E_t(k) = exp(−½(πλσ_f k²)²)
 * falls below a tolerance ε, the exit wave's components reach the image with a weight below ε, so
 * storing them is wasted space and imaging time. The spatial envelope is ignored (it only lowers
 * the weight further), which keeps the band conservative.
 *
 * The temporal envelope gives no such band in the explicit mode (the incoherent average over
 * defocus damps the interference between two high frequencies by their difference, not their
 * size): there only an objective aperture limits the band. Without either, the band is Infinity,
 * i.e. keep all that was simulated.
 */
import { wavelength } from '../core/energy.js';
import { requirePositive } from '../core/errors.js';
import { MRAD_PER_RAD } from '../core/units.js';
import { type Domain, type Parameter, supportEnds } from './domain.js';

/** Default weight ε below which a wave component is taken not to reach the image. */
export const WAVE_BAND_TOLERANCE = 1e-3;

/** [min, max] that a parameter's draws can take (a normal one: mean ± 5 std, see `supportEnds`). */
export function parameterRange(spec: Parameter): [number, number] {
  const ends = supportEnds(spec);
  return [Math.min(...ends), Math.max(...ends)];
}

/**
 * Frequency [1/Å] beyond which the quasi-coherent temporal envelope of focal spread σ_f is below
 * `tolerance`: k = √(√(2 ln(1/ε)) / (πλσ_f)). Infinity for σ_f = 0.
 */
export function temporalEnvelopeBand(
  energy: number,
  focalSpread: number,
  tolerance = WAVE_BAND_TOLERANCE,
): number {
  if (!(tolerance > 0 && tolerance < 1)) {
    throw new RangeError(`tolerance must be in (0, 1), got ${tolerance}`);
  }
  if (focalSpread <= 0) return Number.POSITIVE_INFINITY;
  const lambda = wavelength(energy);
  return Math.sqrt(Math.sqrt(2 * Math.log(1 / tolerance)) / (Math.PI * lambda * focalSpread));
}

function angleRange(condition: Record<string, unknown>, name: string): [number, number] | null {
  const rad = condition[name] as Parameter | undefined;
  if (rad !== undefined) return parameterRange(rad);
  const mrad = condition[`${name}Mrad`] as Parameter | undefined;
  if (mrad === undefined) return null;
  const [lo, hi] = parameterRange(mrad);
  return [lo / MRAD_PER_RAD, hi / MRAD_PER_RAD];
}

/**
 * The highest exit-wave frequency [1/Å] whose weight in any image of `domain` can reach
 * `tolerance`: the smaller of the aperture cut-off (largest aperture plus half its soft edge, over
 * the domain's range) and the temporal-envelope band of the smallest focal spread in its range.
 * In the 'explicit' temporal-coherence mode only the aperture counts; Infinity when nothing limits
 * the band.
 * @example domainWaveBand(domain) // 2.45 for 300 kV, σ_f = 10 Å, no aperture
 */
export function domainWaveBand(domain: Domain, tolerance = WAVE_BAND_TOLERANCE): number {
  const condition = domain.condition as unknown as Record<string, unknown>;
  const energy = domain.condition.energy;
  requirePositive('energy', energy, 'eV');
  let band = Number.POSITIVE_INFINITY;
  const aperture = angleRange(condition, 'aperture');
  if (aperture) {
    const edge = angleRange(condition, 'apertureEdge')?.[1] ?? 0;
    band = (aperture[1] + Math.max(0, edge) / 2) / wavelength(energy);
  }
  if (domain.temporalCoherence === 'quasi-coherent') {
    const spread = condition.focalSpread as Parameter | undefined;
    const smallest = spread === undefined ? 0 : Math.max(0, parameterRange(spread)[0]);
    band = Math.min(band, temporalEnvelopeBand(energy, smallest, tolerance));
  }
  return band;
}
