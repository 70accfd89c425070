/**
 * An optical condition: beam energy, aberrations and partial coherence, validated once at the
 * API edge (files, CLI flags, library callers) and then trusted by the kernels.
 */
import { z } from 'zod';
import { requireBeamEnergy } from '../core/energy.js';
import { InputError, requireNonNegative } from '../core/errors.js';
import { numberIn } from '../core/schema-units.js';
import { MRAD_PER_RAD } from '../core/units.js';
import {
  ABERRATION_ALIASES,
  ABERRATION_TERMS,
  type Aberrations,
  resolveAberrations,
} from './aberrations.js';

/** A validated optical condition in base units. */
export interface OpticalCondition {
  /** Kinetic energy of the electrons [eV]. */
  energy: number;
  /** Polar aberration coefficients (C10 = −defocus) [Å, rad]. */
  aberrations: Aberrations;
  /** Focal spread σ_f, standard deviation of defocus [Å]; 0 = fully coherent. */
  focalSpread: number;
  /** Illumination 1/e convergence semi-angle [rad]; 0 = parallel. */
  convergence: number;
  /** Objective aperture semi-angle [rad]; Infinity = none. */
  aperture: number;
  /** Full width of the aperture's soft edge [rad]; 0 = hard edge. */
  apertureEdge: number;
}

/** Largest semi-angle [rad] accepted as a convergence or aperture before we assume mrad. */
export const MAX_PLAUSIBLE_SEMIANGLE_RAD = 0.05;

/**
 * The unit of each key of an optical condition as written in files, for messages:
 * lengths in Å, angles in rad (or mrad for the `…Mrad` keys), energy in eV.
 */
export function opticalKeyUnit(key: string): string {
  if (key === 'energy') return 'eV';
  if (key === 'focalSpread') return 'Å (standard deviation)';
  if (key.endsWith('Mrad')) return 'mrad';
  if (key === 'convergence' || key === 'aperture' || key === 'apertureEdge') return 'rad';
  if (key.startsWith('phi') || key === 'astigmatismAngle') return 'rad';
  return 'Å';
}

const aberrationShape: Record<string, ReturnType<typeof numberIn>> = {};
for (const t of ABERRATION_TERMS) {
  aberrationShape[t.symbol] = numberIn(opticalKeyUnit(t.symbol));
  if (t.angle) aberrationShape[t.angle] = numberIn(opticalKeyUnit(t.angle));
}
for (const alias of Object.keys(ABERRATION_ALIASES)) {
  aberrationShape[alias] = numberIn(opticalKeyUnit(alias));
}

/**
 * Schema of an optical condition as written in YAML/JSON files: `energy` [eV], any aberration
 * symbol or alias [Å, rad], `focalSpread` [Å, σ], `convergence` [rad] or `convergenceMrad`,
 * `aperture` [rad] or `apertureMrad`, `apertureEdge` [rad] or `apertureEdgeMrad`.
 */
export const OpticalConditionInputSchema = z.strictObject({
  energy: numberIn('eV'),
  focalSpread: numberIn(opticalKeyUnit('focalSpread')).optional(),
  convergence: numberIn('rad').optional(),
  convergenceMrad: numberIn('mrad').optional(),
  aperture: numberIn('rad').optional(),
  apertureMrad: numberIn('mrad').optional(),
  apertureEdge: numberIn('rad').optional(),
  apertureEdgeMrad: numberIn('mrad').optional(),
  ...Object.fromEntries(Object.entries(aberrationShape).map(([k, v]) => [k, v.optional()])),
});

/** The input form of an optical condition (before validation). */
export type OpticalConditionInput = { energy: number } & Partial<Record<string, number>>;

const NON_ABERRATION_KEYS = new Set([
  'energy',
  'focalSpread',
  'convergence',
  'convergenceMrad',
  'aperture',
  'apertureMrad',
  'apertureEdge',
  'apertureEdgeMrad',
]);

function angleInRad(input: OpticalConditionInput, name: string): number | undefined {
  const rad = input[name];
  const mrad = input[`${name}Mrad`];
  if (rad !== undefined && mrad !== undefined) {
    throw new InputError(`give either ${name} [rad] or ${name}Mrad [mrad], not both`);
  }
  if (mrad !== undefined) {
    requireNonNegative(`${name}Mrad`, mrad, 'mrad');
    return mrad / MRAD_PER_RAD;
  }
  if (rad === undefined) return undefined;
  requireNonNegative(name, rad, 'rad');
  if (rad > MAX_PLAUSIBLE_SEMIANGLE_RAD) {
    throw new RangeError(
      `${name} is a semi-angle in rad and ${rad} rad (${rad * MRAD_PER_RAD} mrad) is implausible for HRTEM; ` +
        `if you meant ${rad} mrad, give ${name}Mrad: ${rad} (CLI: --${kebab(name)}-mrad ${rad})`,
    );
  }
  return rad;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Validates an optical condition and converts it to base units.
 *
 * Convergence and aperture semi-angles given in rad above 0.05 rad (50 mrad) are refused as
 * probably meant in mrad, rather than silently reinterpreted.
 * @throws InputError for unknown keys, a symbol given twice (defocus and C10) or an angle given
 *   in both units; RangeError for non-finite or out-of-range numbers
 * @example parseOpticalCondition({ energy: 300e3, defocus: 100, Cs: 1.2e7, focalSpread: 10 })
 */
export function parseOpticalCondition(input: OpticalConditionInput): OpticalCondition {
  if (typeof input !== 'object' || input === null) {
    throw new TypeError('optical condition must be an object with at least energy [eV]');
  }
  const aberrationInput: Record<string, number | undefined> = {};
  for (const [key, value] of Object.entries(input)) {
    if (NON_ABERRATION_KEYS.has(key)) continue;
    aberrationInput[key] = value;
  }
  const aberrations = resolveAberrations(aberrationInput);
  requireBeamEnergy('energy', input.energy);
  const focalSpread = input.focalSpread ?? 0;
  requireNonNegative('focalSpread', focalSpread, 'Å (standard deviation)');
  const apertureEdge = angleInRad(input, 'apertureEdge') ?? 0;
  const aperture = angleInRad(input, 'aperture') ?? Infinity;
  if (aperture === 0) throw new RangeError('aperture must be > 0 rad; omit it for no aperture');
  return {
    energy: input.energy,
    aberrations,
    focalSpread,
    convergence: angleInRad(input, 'convergence') ?? 0,
    aperture,
    apertureEdge,
  };
}

/**
 * Parses an optical condition read from a file (already decoded from YAML or JSON), reporting
 * schema problems as one InputError that names the source.
 */
export function parseOpticalConditionFile(data: unknown, source: string): OpticalCondition {
  const result = OpticalConditionInputSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return `${path}${issue.message}`;
    });
    throw new InputError(`${source}: ${problems.join('; ')}`);
  }
  return parseOpticalCondition(result.data as OpticalConditionInput);
}
