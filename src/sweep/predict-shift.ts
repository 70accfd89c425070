/**
 * Predicting a model's loss and F1 under a new imaging condition from optics alone: the CTF
 * shift between the model's training domain and the condition, read through the monotone curve
 * G_OOD ≈ f(shift) a sweep fitted (`shift-model.json` in the sweep's report folder).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import {
  domainOverlap,
  type OpticalCondition,
  spectralGrid,
  transferOnGrid,
} from '../optics/index.js';
import { predictIsotonic } from './analysis.js';
import type { ShiftModelFile } from './study-analysis.js';

/** What `predictShift` returns. */
export interface ShiftPrediction {
  model: string;
  trainDomain: string;
  measure: string;
  shift: number;
  /** In-distribution loss and F1 of the model (its own domain's test split). */
  idLoss: number;
  idF1: number;
  expectedLoss: number;
  expectedF1: number;
  /** The sweep domain whose conditions are closest to the new one under the same measure. */
  nearestDomain: { name: string; shift: number };
}

/** Reads a sweep's shift model. */
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

/** The shift of a measure by name, from the overlaps of (A, B), (A, A) and (B, B). */
export function shiftOfMeasure(
  measure: string,
  ab: ReturnType<typeof domainOverlap>,
  aa: ReturnType<typeof domainOverlap>,
  bb: ReturnType<typeof domainOverlap>,
): number {
  if (measure.startsWith('signed')) return ab.signedShift;
  if (measure.startsWith('magnitude')) return ab.magnitudeShift;
  if (measure.startsWith('normalised')) {
    const self = Math.sqrt(Math.abs(aa.signed * bb.signed));
    return self > 0 ? 1 - ab.signed / self : 1;
  }
  throw new InputError(`unknown shift measure '${measure}'`);
}

/**
 * Expected loss and F1 of a sweep's model under a new optical condition.
 * @param modelId 'run/seed-s' as in the sweep's report (e.g. 'df0nm/seed-0')
 * @throws InputError for an unknown model
 */
export function predictShift(
  shiftModel: ShiftModelFile,
  modelId: string,
  condition: OpticalCondition,
): ShiftPrediction {
  const model = shiftModel.models.find((m) => m.id === modelId);
  if (!model) {
    throw new InputError(
      `model '${modelId}' is not in this sweep; its models are ${shiftModel.models.map((m) => m.id).join(', ')}`,
    );
  }
  const { k, power } = shiftModel.spectrum;
  const spectrum = (x: number) => {
    let i = 1;
    while (i < k.length - 1 && k[i] < x) i++;
    const t = Math.min(1, Math.max(0, (x - k[i - 1]) / (k[i] - k[i - 1])));
    return power[i - 1] + t * (power[i] - power[i - 1]);
  };
  const grid = spectralGrid(
    shiftModel.grid.kMax,
    spectrum,
    shiftModel.grid.bins,
    Math.max(shiftModel.grid.nphi, 16),
  );
  const transfer = (conditions: OpticalCondition[]) => transferOnGrid(conditions, grid);
  const fresh = transfer([condition]);
  const freshSelf = domainOverlap(fresh, fresh, grid);
  const shiftTo = (domain: string) => {
    const t = transfer(shiftModel.conditions[domain]);
    return shiftOfMeasure(
      shiftModel.measure,
      domainOverlap(t, fresh, grid),
      domainOverlap(t, t, grid),
      freshSelf,
    );
  };
  const shift = shiftTo(model.run);
  let nearest = { name: model.run, shift };
  for (const name of Object.keys(shiftModel.conditions)) {
    const s = shiftTo(name);
    if (s < nearest.shift) nearest = { name, shift: s };
  }
  const curve = (c: { x: number[]; y: number[] }) =>
    predictIsotonic({ x: c.x, y: c.y, increasing: true }, shift);
  return {
    model: model.id,
    trainDomain: model.run,
    measure: shiftModel.measure,
    shift,
    idLoss: model.idLoss,
    idF1: model.idF1,
    expectedLoss: model.idLoss + curve(shiftModel.curves.loss),
    expectedF1: model.idF1 + curve(shiftModel.curves.f1),
    nearestDomain: nearest,
  };
}
