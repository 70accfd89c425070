/**
 * An imaging condition: the optics of the microscope (energy, aberrations, partial coherence,
 * aperture) plus the detector (MTF, dose, pixel size) and the size of the recorded image.
 */
import { InputError, requireInteger, requireNonNegative, requirePositive } from '../core/errors.js';
import {
  type OpticalCondition,
  type OpticalConditionInput,
  parseOpticalCondition,
} from '../optics/index.js';

/**
 * Parametric detector modulation transfer function
 *   MTF(q) = (1 − c) / (1 + (q/q0)^p) + c,
 * with q = |k| / k_N the spatial frequency in units of the Nyquist frequency k_N = 1/(2·pixel
 * size) of the recorded image (q = 1 at Nyquist). MTF(0) = 1, so the mean intensity is kept.
 */
export interface DetectorMtf {
  /** Asymptotic floor c in [0, 1) (0 = falls to zero at high frequency). */
  c: number;
  /** Frequency q0 > 0 [Nyquist units] where MTF = (1 + c)/2. */
  q0: number;
  /** Steepness exponent p > 0 (2 is Lorentzian-like). */
  p: number;
}

/** A validated imaging condition in base units. */
export interface ImagingCondition {
  /** Energy, aberrations (defocus = −C10, positive = underfocus), coherence, aperture. */
  optics: OpticalCondition;
  /** Detector MTF, or null for a perfect detector (MTF = 1). */
  mtf: DetectorMtf | null;
  /** Electron dose [e/Å²] ≥ 0; 0 means no shot noise and intensities in units of the beam. */
  dose: number;
  /** Target pixel size of the recorded image [Å]. */
  pixelSize: number;
  /** Output image size (h, w) [px] after the random crop. */
  imageShape: [number, number];
}

/** The flat input form: optical keys (see `parseOpticalCondition`) plus detector keys. */
export interface ImagingConditionInput extends Record<string, unknown> {
  energy: number;
  /** Electron dose [e/Å²]. */
  dose: number;
  /** Target pixel size [Å]. */
  pixelSize: number;
  /** Output image (h, w) [px]. */
  imageSize: [number, number];
  /** Detector MTF parameters (omit for a perfect detector). */
  mtf?: DetectorMtf;
}

/**
 * Evaluates the detector MTF.
 * @param q spatial frequency in units of the Nyquist frequency, ≥ 0
 * @returns transmission in (c, 1]
 * @example mtfValue({ c: 0, q0: 0.5, p: 2 }, 0.5) // 0.5
 */
export function mtfValue(mtf: DetectorMtf, q: number): number {
  return (1 - mtf.c) / (1 + (q / mtf.q0) ** mtf.p) + mtf.c;
}

/**
 * Validates a detector MTF.
 * @throws RangeError naming the parameter and its rule
 */
export function checkMtf(mtf: DetectorMtf): DetectorMtf {
  requireNonNegative('mtf.c', mtf.c, '(fraction)');
  if (mtf.c >= 1) throw new RangeError(`mtf.c must be < 1 (fraction), got ${mtf.c}`);
  requirePositive('mtf.q0', mtf.q0, '(Nyquist units)');
  requirePositive('mtf.p', mtf.p, '(exponent)');
  return { c: mtf.c, q0: mtf.q0, p: mtf.p };
}

const DETECTOR_KEYS = new Set(['dose', 'pixelSize', 'imageSize', 'mtf']);

/**
 * Validates an imaging condition and converts it to base units.
 * @throws RangeError for a negative dose, a non-positive pixel size, a bad image size or MTF;
 *   InputError or RangeError from `parseOpticalCondition` for the optical keys
 * @example parseImagingCondition({ energy: 300e3, defocus: 100, Cs: 1.2e7, dose: 400,
 *   pixelSize: 0.2, imageSize: [512, 512] })
 */
export function parseImagingCondition(input: ImagingConditionInput): ImagingCondition {
  if (typeof input !== 'object' || input === null) {
    throw new TypeError('imaging condition must be an object');
  }
  requireNonNegative('dose', input.dose, 'e/Å²');
  requirePositive('pixelSize', input.pixelSize, 'Å');
  const size = input.imageSize;
  if (!Array.isArray(size) || size.length !== 2) {
    throw new TypeError(`imageSize must be [h, w] in px, got ${JSON.stringify(size)}`);
  }
  requireInteger('imageSize[0] (h) [px]', size[0], 1);
  requireInteger('imageSize[1] (w) [px]', size[1], 1);
  const optical: Record<string, number> = {};
  for (const [key, value] of Object.entries(input)) {
    if (DETECTOR_KEYS.has(key)) continue;
    if (typeof value !== 'number') {
      throw new InputError(`imaging condition key '${key}' must be a number, got ${typeof value}`);
    }
    optical[key] = value;
  }
  return {
    optics: parseOpticalCondition(optical as OpticalConditionInput),
    mtf: input.mtf ? checkMtf(input.mtf) : null,
    dose: input.dose,
    pixelSize: input.pixelSize,
    imageShape: [size[0], size[1]],
  };
}

/** Defocus Δf = −C10 [Å] of a condition (positive = underfocus). */
export function defocusOf(condition: ImagingCondition): number {
  return -(condition.optics.aberrations.C10 ?? 0);
}

/** A copy of `condition` with its defocus Δf [Å] replaced (C10 = −Δf). */
export function withDefocus(condition: ImagingCondition, defocus: number): ImagingCondition {
  return {
    ...condition,
    optics: {
      ...condition.optics,
      aberrations: { ...condition.optics.aberrations, C10: -defocus },
    },
  };
}
