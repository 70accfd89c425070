/**
 * Predicting a model's loss and F1 under a new imaging condition from optics alone: the CTF
 * shift between the model's training domain and the condition, read through the monotone curves
 * G_OOD ≈ f(shift) a sweep fitted (`shift-model.json` in the sweep's report folder).
 *
 * The shift is computed exactly as the sweep's fit computed it, with the same frequency grid,
 * object spectrum and overlap function: the new condition c is a one-condition domain {c} and
 * the training domain X is represented by the conditions its images were drawn under. Only
 * measures whose domain-pair value is the mean of single-condition values can be predicted this
 * way (signed and magnitude shifts; see `PREDICTABLE_SHIFT_MEASURES` and docs/ctf-framework.md,
 * "Predicting the shift of a new condition").
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import {
  activeTerms,
  type DomainOverlap,
  domainOverlap,
  type OpticalCondition,
  type SpectralGrid,
  spectralGrid,
  transferOnGrid,
} from '../optics/index.js';
import { predictIsotonic } from './analysis.js';
import type { ShiftModelFile } from './study-analysis.js';

/**
 * The CTF shift measures `predictShift` can compute for a single new condition, by the name the
 * analysis reports them under. Each is an average over pairs of conditions (one from each
 * domain) of a per-pair quantity, so the shift between a domain X and the one-condition domain
 * {c} is on the same scale as the shift between X and a whole domain X′: Δ(X, X′) is the mean of
 * Δ(X, {c′}) over the conditions c′ of X′. The normalised shift divides by √σ_s(X′, X′), which is
 * 1 for a single condition but below 1 for a jittered domain, so it is left out; so is the
 * model-based feature shift, which needs images.
 */
export const PREDICTABLE_SHIFT_MEASURES: Readonly<
  Record<string, (overlap: DomainOverlap) => number>
> = {
  'signed CTF shift 1 − σ_s': (o) => o.signedShift,
  'magnitude CTF shift 1 − σ_m': (o) => o.magnitudeShift,
};

/** What `predictShift` returns. Losses and F1 are dimensionless; the shift too. */
export interface ShiftPrediction {
  model: string;
  /** The model's single training domain. */
  trainDomain: string;
  measure: string;
  /** Shift between the training domain and the one-condition domain {condition}. */
  shift: number;
  /** In-distribution loss and F1 of the model (its own domain's test split). */
  idLoss: number;
  idF1: number;
  /** idLoss + f_loss(shift). */
  expectedLoss: number;
  /** idF1 + f_F1(shift) (f_F1 ≤ 0 where F1 drops). */
  expectedF1: number;
  /** The sweep domain whose conditions are closest to the new one under the same measure. */
  nearestDomain: { name: string; shift: number };
  /**
   * True when the shift exceeds the largest shift the curves were fitted on: the prediction then
   * holds the curve's last value, an extrapolation.
   */
  beyondFit: boolean;
}

/**
 * Reads a sweep's shift model.
 * @param path the `report/shift-model.json` of a finished sweep
 * @throws InputError when the file cannot be read or is not a shift model
 */
export function readShiftModel(path: string): ShiftModelFile {
  let data: ShiftModelFile;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as ShiftModelFile;
  } catch {
    throw new InputError(
      `cannot read ${path}: run the sweep to completion first (it writes report/shift-model.json)`,
    );
  }
  if (data.format !== 'hrtem-ood shift model')
    throw new InputError(`${path}: not a hrtem-ood shift model`);
  return data;
}

/**
 * Linear interpolation of a sampled object spectrum, held constant beyond its first and last
 * samples. The analysis and `predictShift` both weight frequencies through this function.
 * @param k sample frequencies [1/Å], ascending; power the spectrum at k (any unit, ≥ 0)
 */
export function spectrumInterpolator(k: readonly number[], power: readonly number[]) {
  return (x: number): number => {
    if (x <= k[0]) return power[0];
    if (x >= k[k.length - 1]) return power[power.length - 1];
    let i = 1;
    while (k[i] < x) i++;
    const t = (x - k[i - 1]) / (k[i] - k[i - 1]);
    return power[i - 1] + t * (power[i] - power[i - 1]);
  };
}

/**
 * The weighted polar frequency grid of the CTF framework (see `spectralGrid`).
 * @param grid kMax [1/Å], radial bins, azimuths (1 for round optics, 16 otherwise)
 * @param spectrum the object power spectrum sampled at k [1/Å]
 */
export function shiftGrid(
  grid: ShiftModelFile['grid'],
  spectrum: ShiftModelFile['spectrum'],
): SpectralGrid {
  return spectralGrid(
    grid.kMax,
    spectrumInterpolator(spectrum.k, spectrum.power),
    grid.bins,
    grid.nphi,
  );
}

/** True when every condition has only round (m = 0) aberrations, so one azimuth suffices. */
export function roundOptics(conditions: readonly OpticalCondition[]): boolean {
  return conditions.every((c) => activeTerms(c.aberrations).every((t) => t.m === 0));
}

/**
 * A recorded condition as stored in JSON, where the aperture "none" (Infinity) can only be
 * written as null; without this, a JSON round trip would turn "no aperture" into a zero cutoff
 * that transfers nothing.
 */
function revive(condition: OpticalCondition): OpticalCondition {
  const aperture = condition.aperture as number | null;
  return aperture === null ? { ...condition, aperture: Infinity } : condition;
}

/** The model entry of a shift model with its single training domain, or a clear error. */
function trainedModel(shiftModel: ShiftModelFile, modelId: string) {
  const model = shiftModel.models.find((m) => m.id === modelId);
  if (!model) {
    throw new InputError(
      `predict-shift: model '${modelId}' is not in this sweep; its models are ${shiftModel.models.map((m) => m.id).join(', ')}`,
    );
  }
  const trainDomains = model.trainDomains ?? [model.run];
  if (trainDomains.length !== 1) {
    throw new InputError(
      `predict-shift: model '${modelId}' was trained on a mixture of domains (${trainDomains.join(', ')}); ` +
        'the shift is measured from one training domain and the curve G_OOD ≈ f(shift) was fitted on single-domain models, ' +
        'so choose a model trained on one domain',
    );
  }
  const trainDomain = trainDomains[0];
  if (!shiftModel.conditions[trainDomain]) {
    throw new InputError(
      `predict-shift: model '${modelId}' was trained on '${trainDomain}', which has no recorded conditions in this shift model (domains: ${Object.keys(shiftModel.conditions).join(', ')})`,
    );
  }
  if (!Number.isFinite(model.idLoss) || !Number.isFinite(model.idF1)) {
    throw new InputError(
      `predict-shift: model '${modelId}' has no in-distribution loss and F1 (its run '${model.run}' is not one of the evaluated domains), so the gap G_OOD has nothing to add to`,
    );
  }
  return { model, trainDomain };
}

/**
 * Expected loss and F1 of a sweep's model under a new optical condition: the shift Δ between the
 * model's training domain X and the one-condition domain {condition}, computed with the measure,
 * frequency grid and object spectrum the sweep's curve was fitted with, then
 * expected = in-distribution score + f(Δ), f the isotonic curve (linear between knots, constant
 * beyond them).
 *
 * @param shiftModel from `readShiftModel`
 * @param modelId 'run/seed-s' as in the sweep's report (e.g. 'df0nm/seed-0')
 * @param condition validated optical condition (energy [eV], aberrations [Å, rad], …); detector
 *   settings (dose, pixel size) do not enter the CTF
 * @returns the shift (dimensionless), expected loss and F1, and the nearest sweep domain
 * @throws InputError for an unknown model, a model trained on a mixture of domains, a model with
 *   no in-distribution score, or a shift model whose measure cannot be computed for a condition
 * @example
 * const p = predictShift(readShiftModel('out/report/shift-model.json'), 'df0nm/seed-0',
 *   parseOpticalCondition({ energy: 300e3, defocus: 50, Cs: -2e4, focalSpread: 10 }));
 */
export function predictShift(
  shiftModel: ShiftModelFile,
  modelId: string,
  condition: OpticalCondition,
): ShiftPrediction {
  const { model, trainDomain } = trainedModel(shiftModel, modelId);
  const measure = PREDICTABLE_SHIFT_MEASURES[shiftModel.measure];
  if (!measure) {
    throw new InputError(
      `predict-shift: the shift model's measure '${shiftModel.measure}' cannot be computed for a single condition; ` +
        `supported: ${Object.keys(PREDICTABLE_SHIFT_MEASURES).join('; ')}. Rerun the sweep's analysis with this version`,
    );
  }

  const trained = shiftModel.conditions[trainDomain].map(revive);
  const energy = trained[0]?.energy;
  if (energy !== undefined && condition.energy !== energy) {
    throw new RangeError(
      `predict-shift: the condition's energy ${condition.energy} eV differs from the ${energy} eV ` +
        `model ${modelId} was trained at; the sweep's curve holds only for the same energy`,
    );
  }

  // Non-round aberrations in the new condition need azimuths even if the sweep's optics were
  // round; for round optics any number of azimuths gives the same weighted means.
  const nphi = roundOptics([condition]) ? shiftModel.grid.nphi : Math.max(16, shiftModel.grid.nphi);
  const grid = shiftGrid({ ...shiftModel.grid, nphi }, shiftModel.spectrum);
  const fresh = transferOnGrid([condition], grid);
  const shiftTo = (domain: string) =>
    measure(
      domainOverlap(transferOnGrid(shiftModel.conditions[domain].map(revive), grid), fresh, grid),
    );
  const shift = shiftTo(trainDomain);
  let nearest = { name: trainDomain, shift };
  for (const name of Object.keys(shiftModel.conditions)) {
    const s = name === trainDomain ? shift : shiftTo(name);
    if (s < nearest.shift) nearest = { name, shift: s };
  }

  const { loss, f1 } = shiftModel.curves;
  const fitted = loss.x.length > 0 ? Math.max(...loss.x) : 0;
  return {
    model: model.id,
    trainDomain,
    measure: shiftModel.measure,
    shift,
    idLoss: model.idLoss,
    idF1: model.idF1,
    expectedLoss: model.idLoss + predictIsotonic({ ...loss, increasing: true }, shift),
    expectedF1: model.idF1 + predictIsotonic({ ...f1, increasing: false }, shift),
    nearestDomain: nearest,
    beyondFit: shift > fitted,
  };
}
