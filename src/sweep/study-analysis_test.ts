/**
 * `analyse` and `predictShift` on small fake artefacts written in the shapes the real stages
 * write (spectrum.json; dataset manifest, shards and sample records; history.json; metrics.json
 * and features-*.npy).
 *
 * The optics are chosen so every CTF number has a closed form: Cs = 0, no envelopes, no aperture,
 * a flat object spectrum, 0.5 Å pixels (k_N = 1/Å) and defocus ±d, 2d with d = 1/(2λ). Then
 * T(k) = ∓sin u with u = πλd·k² ∈ [0, π/2], and the W-weighted mean ⟨f⟩ = ∫ f k dk / ∫ k dk is
 * the plain mean over u ∈ [0, π/2]:
 *   ⟨sin²u⟩ = ⟨sin²2u⟩ = 1/2,  ⟨sin u · sin 2u⟩ = (2/3)/(π/2) = 4/(3π),
 * so ε = 1/2 for every domain, σ_s(B, D) = σ_m(A, D) = 8/(3π), σ_s(A, D) = −8/(3π) and
 * σ_s(A, B) = −1. Domain S has B's imaging but other structures: the structure-shift path.
 *
 * Losses are multiples of 1/16 and F1 of 1/32 (exact in binary): each single-domain model's gap
 * is n/16 in loss and −n/32 in F1, where n = |Δdefocus|/d; the structure pairs B↔S get 8/16 and
 * −8/32.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wavelength } from '../core/energy.js';
import { InputError } from '../core/errors.js';
import { writeNpy } from '../core/npy.js';
import { parseDomain } from '../imaging/index.js';
import { parseOpticalCondition } from '../optics/index.js';
import { linearFit, spearman } from './analysis.js';
import { predictShift, readShiftModel } from './predict-shift.js';
import {
  type AnalysisParams,
  analyse,
  renderSweepReport,
  type ShiftModelFile,
} from './study-analysis.js';
import type { TaskInput } from './task-kind.js';

const ENERGY = 300e3;
const D = 1 / (2 * wavelength(ENERGY));
const SIGMA = 8 / (3 * Math.PI);
/** Defocus of each domain in units of d, and its structure set. */
const DOMAINS: Record<string, { n: number; structures: string }> = {
  A: { n: -1, structures: 'default' },
  B: { n: 1, structures: 'default' },
  D: { n: 2, structures: 'default' },
  S: { n: 1, structures: 'other' },
};
const NAMES = Object.keys(DOMAINS);
/** Feature value per test domain (2 channels, no spread): Fréchet distance 2·(μ − μ′)². */
const FEATURE: Record<string, number> = { A: 0, B: 2, D: 3, S: 2.5 };
const MODELS = [
  { run: 'A', seed: 0, trainDomains: ['A'], idLoss: 2 / 16, idF1: 28 / 32 },
  { run: 'A', seed: 1, trainDomains: ['A'], idLoss: 4 / 16, idF1: 24 / 32 },
  { run: 'B', seed: 0, trainDomains: ['B'], idLoss: 2 / 16, idF1: 28 / 32 },
  { run: 'D', seed: 0, trainDomains: ['D'], idLoss: 5 / 16, idF1: 20 / 32 },
  { run: 'S', seed: 0, trainDomains: ['S'], idLoss: 2 / 16, idF1: 28 / 32 },
  { run: 'A+B', seed: 0, trainDomains: ['A', 'B'], idLoss: 3 / 16, idF1: 26 / 32 },
];
const SIGNED = 'signed CTF shift 1 − σ_s';
const MAGNITUDE = 'magnitude CTF shift 1 − σ_m';
const FRECHET = 'model feature shift (Fréchet distance of bottleneck features)';
const BASELINE = '|Δdefocus| [nm]';

/** Gap steps n of a (train, test) pair; structure pairs count 8. */
function steps(train: string, test: string): number {
  const a = DOMAINS[train];
  const b = DOMAINS[test];
  if (a.structures !== b.structures && a.n === b.n) return 8;
  return Math.abs(a.n - b.n);
}

function opticalInput(name: string) {
  return { energy: ENERGY, defocus: DOMAINS[name].n * D, Cs: 0, focalSpread: 0 };
}

function write(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function writeDataset(dir: string, name: string): void {
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const n = 2;
  const condition = { ...opticalInput(name), dose: 100, pixelSize: 0.5, imageSize: [4, 4] };
  const records = Array.from({ length: n }, (_, i) => ({
    split: 'test',
    index: i,
    shard: 0,
    offset: i,
    structureId: `${DOMAINS[name].structures}-${i}`,
    imageIndex: 0,
    seed: i,
    condition,
    defocusOffset: 0,
    defocus: condition.defocus,
    pixelSize: [0.5, 0.5],
    cropOrigin: [0, 0],
    standardization: null,
  }));
  write(join(data, 'test-0.json'), records);
  writeNpy(join(data, 'test-0-images.npy'), {
    dtype: '<f4',
    shape: [n, 4, 4],
    data: Float32Array.from({ length: n * 16 }, (_, i) => Math.sin(i)),
  });
  writeNpy(join(data, 'test-0-masks.npy'), {
    dtype: '|u1',
    shape: [n, 4, 4],
    data: Uint8Array.from({ length: n * 16 }, (_, i) => i % 2),
  });
  const empty = { count: 0, shards: [] };
  write(join(data, 'manifest.json'), {
    format: 'hrtem-ood dataset',
    formatVersion: 1,
    codeVersion: 'test',
    complete: true,
    name,
    seed: 1,
    imagesPerStructure: 1,
    shardSize: 64,
    imageShape: [4, 4],
    standardized: false,
    domain: {},
    split: { train: 0, val: 0, test: 1 },
    structures: [],
    splits: {
      train: empty,
      val: empty,
      test: {
        count: n,
        shards: [
          {
            images: 'test-0-images.npy',
            masks: 'test-0-masks.npy',
            samples: 'test-0.json',
            count: n,
          },
        ],
      },
    },
    previews: [],
  });
}

function writeEvaluation(dir: string, model: (typeof MODELS)[number]): void {
  mkdirSync(dir, { recursive: true });
  const metrics: Record<string, { loss: number; f1: number }> = {};
  for (const test of NAMES) {
    const n = model.trainDomains.length === 1 ? steps(model.run, test) : 1;
    metrics[test] = { loss: model.idLoss + n / 16, f1: model.idF1 - n / 32 };
    writeNpy(join(dir, `features-${test}.npy`), {
      dtype: '<f4',
      shape: [3, 2],
      data: new Float32Array(6).fill(FEATURE[test]),
    });
  }
  write(join(dir, 'metrics.json'), metrics);
}

function writeHistory(dir: string): void {
  mkdirSync(dir, { recursive: true });
  write(join(dir, 'history.json'), {
    epochs: [1, 2].map((epoch) => ({
      epoch,
      trainLoss: 1 / epoch,
      validation: Object.fromEntries(NAMES.map((d) => [d, { loss: 1 / epoch, f1: 0.5 }])),
    })),
  });
}

/** Writes every input artefact under `root`; returns the parameters and inputs in plan order. */
function fakeSweep(root: string): { params: AnalysisParams; inputs: TaskInput[] } {
  const input = (kind: string, id: string): TaskInput => ({
    key: id,
    kind,
    dir: join(root, kind, id),
    result: null,
  });
  const spectrum = input('spectrum', 'spectrum');
  mkdirSync(spectrum.dir, { recursive: true });
  write(join(spectrum.dir, 'spectrum.json'), { k: [0.25, 0.75, 1.25], power: [1, 1, 1] });
  const datasets = NAMES.map((d) => input('dataset', d));
  for (const [i, d] of NAMES.entries()) writeDataset(datasets[i].dir, d);
  const id = (m: (typeof MODELS)[number]) => `${m.run}-seed-${m.seed}`;
  const trains = MODELS.map((m) => input('train', id(m)));
  const evaluations = MODELS.map((m) => input('evaluate', id(m)));
  for (const [i, m] of MODELS.entries()) {
    writeHistory(trains[i].dir);
    writeEvaluation(evaluations[i].dir, m);
  }
  const params: AnalysisParams = {
    name: 'fake',
    description: 'hand-computable fake sweep',
    domains: NAMES.map((name) => ({
      ...parseDomain({
        name,
        description: `defocus ${DOMAINS[name].n}·d`,
        condition: {
          ...opticalInput(name),
          dose: 100,
          pixelSize: 0.5,
          imageSize: [4, 4],
        },
      }),
      structures: DOMAINS[name].structures,
    })),
    testDomains: NAMES,
    models: MODELS.map(({ run, seed, trainDomains }) => ({ run, seed, trainDomains })),
    analysis: {
      parameter: 'defocus',
      parameterScale: 10,
      parameterUnit: 'nm',
      frequencySamples: 256,
    },
  };
  return { params, inputs: [spectrum, ...datasets, ...trains, ...evaluations] };
}

function parseCsv(text: string): Record<string, string>[] {
  const [header, ...rows] = text.trim().split('\n');
  const keys = splitCsvLine(header);
  return rows.map((r) => Object.fromEntries(splitCsvLine(r).map((v, i) => [keys[i], v])));
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      out.push(cell);
      cell = '';
    } else cell += c;
  }
  out.push(cell);
  return out;
}

interface Results {
  rows: { model: string; trainDomain: string; testDomain: string; gLoss: number; gF1: number }[];
  epsilon: Record<string, number>;
  overlaps: Record<string, { signed: number; magnitude: number; signedShift: number }>;
  shiftMeasures: { measure: string; spearmanLoss: number; spearmanF1: number }[];
  predictionMeasure: string | null;
  idVsOod: {
    points: { model: string; testDomain: string; id: number; ood: number }[];
    slope: number;
    intercept: number;
    r2: number;
  };
  ownOrNeighbour: number;
  meanGapByDistance: { distance: number; mean: number; n: number }[];
}

let root: string;
let files: Record<string, string>;
let results: Results;
let shiftModel: ShiftModelFile;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'hrtem-analysis-'));
  const { params, inputs } = fakeSweep(root);
  const progress: number[] = [];
  ({ files } = await analyse(params, inputs, (done) => progress.push(done)));
  expect(progress).toEqual([1, 2, 3, 4, 5]);
  results = JSON.parse(files['results.json']) as Results;
  writeFileSync(join(root, 'shift-model.json'), files['shift-model.json']);
  shiftModel = readShiftModel(join(root, 'shift-model.json'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('analyse', () => {
  it('writes every report file', () => {
    expect(Object.keys(files).sort()).toEqual([
      'domains.csv',
      'evaluations.csv',
      'learning-curves.csv',
      'matrix.csv',
      'report-data.json',
      'results.json',
      'shift-correlations.csv',
      'shift-curves.csv',
      'shift-model.json',
      'shifts.csv',
    ]);
  });

  it('computes G_OOD per model and leaves the mixture model out of the gap analysis', () => {
    expect(results.rows).toHaveLength(5 * 4);
    expect(results.rows.some((r) => r.trainDomain === 'A+B')).toBe(false);
    const row = results.rows.find((r) => r.model === 'A/seed-1' && r.testDomain === 'D')!;
    expect(row.gLoss).toBe(3 / 16);
    expect(row.gF1).toBe(-3 / 32);
    const report = JSON.parse(files['report-data.json']) as { notes: string[] };
    expect(report.notes[0]).toMatch(/^Runs trained on domain mixtures/);
  });

  it('gives the hand-computed information content and overlaps (relative tolerance 1e-4)', () => {
    for (const d of NAMES) expect(results.epsilon[d]).toBeCloseTo(0.5, 4);
    expect(results.overlaps['A→B'].signed).toBeCloseTo(-1, 4);
    expect(results.overlaps['A→B'].magnitude).toBeCloseTo(1, 4);
    expect(results.overlaps['B→D'].signed).toBeCloseTo(SIGMA, 4);
    expect(results.overlaps['A→D'].signed).toBeCloseTo(-SIGMA, 4);
    expect(results.overlaps['A→D'].magnitude).toBeCloseTo(SIGMA, 4);
    expect(results.overlaps['B→S'].signedShift).toBeCloseTo(0, 6);
  });

  it('averages each matrix cell over seeds with its standard error', () => {
    const cells = parseCsv(files['matrix.csv']);
    expect(cells).toHaveLength(4 * 4);
    const ab = cells.find((c) => c.train === 'A' && c.test === 'B')!;
    // Seeds 0 and 1: losses 4/16 and 6/16; SE = (sample sd)/√2 = (2/16)/2.
    expect(Number(ab.loss_mean)).toBe(5 / 16);
    expect(Number(ab.loss_se)).toBeCloseTo(1 / 16, 12);
    expect(Number(ab.loss_median)).toBe(5 / 16);
    expect(Number(ab.f1_mean)).toBe(24 / 32);
    expect(Number(ab.g_loss_mean)).toBe(2 / 16);
    expect(ab.seeds).toBe('2');
    const dd = cells.find((c) => c.train === 'D' && c.test === 'D')!;
    expect(Number(dd.g_loss_mean)).toBe(0);
    expect(dd.loss_se).toBe('NaN');
  });

  it('writes one evaluations.csv row per single-domain model and test domain', () => {
    const rows = parseCsv(files['evaluations.csv']);
    expect(rows).toHaveLength(20);
    expect(rows[0]).toEqual({
      model: 'A/seed-0',
      seed: '0',
      train: 'A',
      test: 'A',
      loss: '0.125',
      f1: '0.875',
      id_loss: '0.125',
      id_f1: '0.875',
      g_loss: '0',
      g_f1: '0',
    });
  });

  it('correlates each shift measure with G_OOD over the foreign imaging pairs', () => {
    const rho = Object.fromEntries(results.shiftMeasures.map((m) => [m.measure, m]));
    // |Δdefocus| ranks the gaps n/16 exactly.
    expect(rho[BASELINE].spearmanLoss).toBeCloseTo(1, 12);
    expect(rho[BASELINE].spearmanF1).toBeCloseTo(-1, 12);
    // Signed shift: groups (shift, gap) = (1 − 8/(3π), 1/16) ×4, (1 + 8/(3π), 3/16) ×3,
    // (2, 2/16) ×6; average ranks give ρ = 76.5/157.5 = 17/35.
    expect(rho[SIGNED].spearmanLoss).toBeCloseTo(17 / 35, 12);
    // Magnitude: (0, 2/16) ×6, (1 − 8/(3π), 3/16) ×3, (1 − 8/(3π), 1/16) ×4.
    expect(rho[MAGNITUDE].spearmanLoss).toBeCloseTo(-19.5 / Math.sqrt(136.5 * 157.5), 12);
    // Features at distances 0.5, 2, 8, 12.5, 18: ρ = √0.9.
    expect(rho[FRECHET].spearmanLoss).toBeCloseTo(Math.sqrt(0.9), 12);
  });

  it('lists the 13 foreign imaging pairs and the 2 structure pairs in shifts.csv', () => {
    const rows = parseCsv(files['shifts.csv']);
    expect(rows).toHaveLength(15);
    const bs = rows.find((r) => r.train === 'B' && r.test === 'S')!;
    expect(Number(bs.g_loss)).toBe(8 / 16);
    expect(Number(bs[SIGNED])).toBeCloseTo(0, 6);
    expect(Number(bs[MAGNITUDE])).toBeCloseTo(0, 6);
    expect(Number(bs[FRECHET])).toBe(2 * 0.5 ** 2);
    const ad = rows.find((r) => r.train === 'A' && r.test === 'D')!;
    expect(Number(ad[SIGNED])).toBeCloseTo(1 + SIGMA, 4);
    expect(Number(ad[BASELINE])).toBeCloseTo((3 * D) / 10, 9);
  });

  it('reports structure-only shifts apart from the imaging pairs (the framework’s limit)', () => {
    const report = JSON.parse(files['report-data.json']) as {
      structurePairs: {
        train: string;
        test: string;
        gLoss: number;
        shifts: Record<string, number>;
      }[];
      shiftPoints: { train: string; test: string }[];
    };
    expect(report.structurePairs.map((p) => `${p.train}→${p.test}`)).toEqual(['B→S', 'S→B']);
    expect(report.structurePairs[1].gLoss).toBe(8 / 16);
    expect(report.structurePairs[1].shifts[FRECHET]).toBe(0.5);
    expect(report.shiftPoints).toHaveLength(13);
    expect(report.shiftPoints.some((p) => p.train === 'B' && p.test === 'S')).toBe(false);
  });

  it('fits the ID-vs-OOD line to exactly the points it reports', () => {
    const { points, slope, intercept, r2 } = results.idVsOod;
    expect(points).toHaveLength(5 * 3);
    expect(points).toContainEqual({ model: 'A/seed-1', testDomain: 'D', id: 4 / 16, ood: 7 / 16 });
    const fit = linearFit(
      points.map((q) => q.id),
      points.map((q) => q.ood),
    );
    expect([slope, intercept, r2]).toEqual([fit.slope, fit.intercept, fit.r2]);
    const report = JSON.parse(files['report-data.json']) as { idVsOod: Results['idVsOod'] };
    expect(report.idVsOod).toEqual(results.idVsOod);
  });

  it('reports the mean gap at each parameter distance and the own-or-neighbour fraction', () => {
    expect(results.meanGapByDistance.map((g) => [g.mean, g.n])).toEqual([
      [1 / 16, 4],
      [2 / 16, 6],
      [3 / 16, 3],
    ]);
    expect(results.ownOrNeighbour).toBe(1);
  });

  it('writes the learning curves of every model, mixtures included', () => {
    expect(parseCsv(files['learning-curves.csv'])).toHaveLength(6 * 2 * 4);
  });

  it('keeps a predictable CTF measure for predict-shift even when the feature shift ranks best', () => {
    expect(results.predictionMeasure).toBe(SIGNED);
    expect(shiftModel.measure).toBe(SIGNED);
    const used = parseCsv(files['shift-correlations.csv']).filter(
      (r) => r.used_by_predict_shift === '1',
    );
    expect(used.map((r) => r.measure)).toEqual([SIGNED]);
  });

  it('stores the isotonic curves of the chosen measure, as the report plots them', () => {
    // Loss, non-decreasing: knot means 1/16, 3/16, 2/16 → the last two pool to 7/48.
    expect(shiftModel.curves.loss.y).toEqual([1 / 16, 7 / 48, 7 / 48]);
    // F1, non-increasing: −1/32, −3/32, −2/32 → pool to −7/96.
    expect(shiftModel.curves.f1.y).toEqual([-1 / 32, -7 / 96, -7 / 96]);
    const [lo, mid, hi] = shiftModel.curves.loss.x;
    expect(lo).toBeCloseTo(1 - SIGMA, 4);
    expect(mid).toBeCloseTo(1 + SIGMA, 4);
    expect(hi).toBeCloseTo(2, 4);
    const report = JSON.parse(files['report-data.json']) as {
      shiftMeasures: { measure: string; curve: { x: number; y: number }[]; curveF1: unknown[] }[];
    };
    const signed = report.shiftMeasures.find((m) => m.measure === SIGNED)!;
    expect(signed.curve.map((c) => c.y)).toEqual(shiftModel.curves.loss.y);
    expect(signed.curveF1).toHaveLength(3);
    const curveRows = parseCsv(files['shift-curves.csv']).filter((r) => r.measure === SIGNED);
    expect(curveRows.map((r) => [r.metric, Number(r.g_ood)])).toEqual([
      ['loss', 1 / 16],
      ['loss', 7 / 48],
      ['loss', 7 / 48],
      ['f1', -1 / 32],
      ['f1', -7 / 96],
      ['f1', -7 / 96],
    ]);
  });

  it('renders a report with loss and F1 charts against every shift measure', async () => {
    writeFileSync(join(root, 'report-data.json'), files['report-data.json']);
    const html = await renderSweepReport(root, {
      sweepFile: 'fake.yaml',
      createdAt: 'today',
      runTimeSeconds: 1,
      codeVersion: 'test',
    });
    expect(html).toContain(`G_OOD (loss) vs ${SIGNED}: Spearman ρ = 0.486`);
    expect(html).toContain(`G_OOD (F1) vs ${SIGNED}: Spearman ρ = `);
    for (const measure of [BASELINE, SIGNED, MAGNITUDE, FRECHET])
      expect(html).toContain(`G_OOD (F1) vs ${measure}: Spearman ρ = `);
    expect(html).toContain('Structure shifts');
  });

  it('records each model’s training domains in the shift model', () => {
    const mixture = shiftModel.models.find((m) => m.id === 'A+B/seed-0')!;
    expect(mixture.trainDomains).toEqual(['A', 'B']);
    expect(mixture.idLoss).toBeNull();
    expect(Object.keys(shiftModel.conditions)).toEqual(NAMES);
    expect(shiftModel.grid).toEqual({ kMax: 1, bins: 256, nphi: 1 });
  });
});

describe('predictShift', () => {
  const condition = (name: string) => parseOpticalCondition(opticalInput(name));

  it('predicts the in-distribution score plus the curve at the training domain’s own condition', () => {
    const p = predictShift(shiftModel, 'B/seed-0', condition('B'));
    expect(p.trainDomain).toBe('B');
    expect(p.measure).toBe(SIGNED);
    expect(p.shift).toBeCloseTo(0, 6);
    expect(p.nearestDomain.name).toBe('B');
    // Below the first knot the curve keeps its first value.
    expect(p.expectedLoss).toBeCloseTo(2 / 16 + 1 / 16, 12);
    expect(p.expectedF1).toBeCloseTo(28 / 32 - 1 / 32, 12);
  });

  it('computes the shift of a new condition on the scale the curve was fitted on', () => {
    // D's condition seen from A: Δ_s = 1 − σ_s(A, {D}) = 1 + 8/(3π), the fitted A→D knot.
    const p = predictShift(shiftModel, 'A/seed-0', condition('D'));
    const fitted = parseCsv(files['shifts.csv']).find((r) => r.train === 'A' && r.test === 'D')!;
    expect(p.shift).toBeCloseTo(Number(fitted[SIGNED]), 12);
    expect(p.expectedLoss).toBeCloseTo(2 / 16 + 7 / 48, 9);
    expect(p.expectedF1).toBeCloseTo(28 / 32 - 7 / 96, 9);
    expect(p.nearestDomain.name).toBe('D');
    expect(p.nearestDomain.shift).toBeCloseTo(0, 6);
  });

  it('flags a shift inside the fitted range as no extrapolation', () => {
    expect(predictShift(shiftModel, 'A/seed-0', condition('D')).beyondFit).toBe(false);
  });

  it('refuses a condition at another energy than the model was trained at', () => {
    const other = parseOpticalCondition({ ...opticalInput('A'), energy: ENERGY / 2 });
    expect(() => predictShift(shiftModel, 'A/seed-0', other)).toThrow(
      new RangeError(
        `predict-shift: the condition's energy ${ENERGY / 2} eV differs from the ${ENERGY} eV model A/seed-0 was trained at; the sweep's curve holds only for the same energy`,
      ),
    );
  });

  it('refuses a model trained on a mixture of domains, naming it and why', () => {
    expect(() => predictShift(shiftModel, 'A+B/seed-0', condition('A'))).toThrow(
      new InputError(
        "predict-shift: model 'A+B/seed-0' was trained on a mixture of domains (A, B); the shift is measured from one training domain and the curve G_OOD ≈ f(shift) was fitted on single-domain models, so choose a model trained on one domain",
      ),
    );
  });

  it('refuses an unknown model, listing the sweep’s models', () => {
    expect(() => predictShift(shiftModel, 'Z/seed-0', condition('A'))).toThrow(
      new InputError(
        "predict-shift: model 'Z/seed-0' is not in this sweep; its models are A/seed-0, A/seed-1, B/seed-0, D/seed-0, S/seed-0, A+B/seed-0",
      ),
    );
  });

  it('refuses a shift model whose measure cannot be computed for one condition', () => {
    const old = { ...shiftModel, measure: FRECHET };
    expect(() => predictShift(old, 'A/seed-0', condition('A'))).toThrow(
      /^predict-shift: the shift model's measure 'model feature shift \(Fréchet distance of bottleneck features\)' cannot be computed for a single condition; supported: signed CTF shift 1 − σ_s; magnitude CTF shift 1 − σ_m\. Rerun/,
    );
  });
});

describe('spearman on the fake sweep’s signed-shift groups', () => {
  it('matches the hand-computed 17/35 (a check of the group arithmetic above)', () => {
    const x = [...Array(4).fill(0.15), ...Array(3).fill(1.85), ...Array(6).fill(2)];
    const y = [...Array(4).fill(1), ...Array(3).fill(3), ...Array(6).fill(2)];
    expect(spearman(x, y)).toBeCloseTo(17 / 35, 12);
  });
});
