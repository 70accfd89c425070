/**
 * Zero-defocus calibration. The exit wave of a thick object is taken at its exit surface, so the
 * nominal Δf = 0 is not where the particle shows least contrast (for a thin phase object it is;
 * for a thick one the minimum lies roughly at its middle plane). We search the defocus Δf₀ that
 * minimises the variance of the noise-free image intensity inside the particle mask and shift the
 * domain's defocus by it: an image drawn at Δf is formed at Δf + Δf₀.
 *
 * Search: a coarse scan over [−range, range] in steps of range/15, then golden-section refinement
 * in the bracket around the best scan point down to 1 Å. Quasi-coherent imaging with the
 * condition's other aberrations, envelopes and aperture; no detector, dose or noise.
 */
import { InputError, requirePositive } from '../core/errors.js';
import type { ImagingCondition } from './condition.js';
import { withDefocus } from './condition.js';
import type { ExitWaveSet } from './exit-waves.js';
import { idealIntensity } from './form-image.js';

/**
 * True when the set's mask has at least 2 particle pixels, the least a contrast variance needs;
 * `calibrateZeroDefocus` refuses a set without.
 */
export function hasParticleMask(set: ExitWaveSet): boolean {
  let count = 0;
  for (let i = 0; i < set.mask.length && count < 2; i++) if (set.mask[i]) count++;
  return count >= 2;
}

/** Options of the zero-defocus search. */
export interface CalibrationOptions {
  /** Half-range of the defocus search [Å] (default 300). */
  range?: number;
  /** Final bracket width [Å] (default 1). */
  tolerance?: number;
}

/** Result of the zero-defocus search. */
export interface Calibration {
  /** Defocus of minimum particle contrast Δf₀ [Å] (positive = underfocus). */
  defocusOffset: number;
  /** Intensity variance inside the mask at Δf₀ [beam units²]. */
  variance: number;
}

/**
 * Finds the defocus of minimum particle contrast of one structure.
 * @param set exit waves with a non-empty mask
 * @param condition nominal condition of the domain (its defocus is ignored)
 * @throws InputError if the mask is empty; RangeError for a non-positive range or tolerance
 */
export async function calibrateZeroDefocus(
  set: ExitWaveSet,
  condition: ImagingCondition,
  options: CalibrationOptions = {},
): Promise<Calibration> {
  const range = options.range ?? 300;
  const tolerance = options.tolerance ?? 1;
  requirePositive('calibration range', range, 'Å');
  requirePositive('calibration tolerance', tolerance, 'Å');
  if (!hasParticleMask(set)) {
    throw new InputError(
      `zero-defocus calibration of ${set.structureId} needs a particle mask, but its mask is empty`,
    );
  }
  const inside: number[] = [];
  for (let i = 0; i < set.mask.length; i++) if (set.mask[i]) inside.push(i);
  const variance = async (defocus: number) => {
    const intensity = await idealIntensity(set, withDefocus(condition, defocus), {});
    let sum = 0;
    let ss = 0;
    for (const i of inside) sum += intensity[i];
    const mean = sum / inside.length;
    for (const i of inside) ss += (intensity[i] - mean) ** 2;
    return ss / inside.length;
  };

  const step = range / 15;
  let best = 0;
  let bestValue = Infinity;
  for (let d = -range; d <= range + 1e-9; d += step) {
    const v = await variance(d);
    if (v < bestValue) {
      bestValue = v;
      best = d;
    }
  }
  let a = best - step;
  let b = best + step;
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = await variance(c);
  let fd = await variance(d);
  while (b - a > tolerance) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = await variance(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = await variance(d);
    }
  }
  const mid = (a + b) / 2;
  const midValue = await variance(mid);
  return midValue <= bestValue
    ? { defocusOffset: mid, variance: midValue }
    : { defocusOffset: best, variance: bestValue };
}
