/**
 * The sweep's analysis task: out-of-distribution measures, the CTF information framework applied
 * to the sweep's own domains and exit waves, the self-contained HTML report, and every number as
 * CSV and JSON. Definitions: docs/ctf-framework.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { readNpy } from '../core/npy.js';
import { DatasetReader, type SampleRecord } from '../dataset/index.js';
import {
  type Domain,
  nominalParameter,
  type Parameter,
  parseImagingCondition,
  withDefocus,
} from '../imaging/index.js';
import {
  domainOverlap,
  informationContent,
  type OpticalCondition,
  radialProfile,
  transferOnGrid,
} from '../optics/index.js';
import {
  grayscalePng,
  maskPng,
  matrixCellValues,
  type ReportData,
  renderReport,
} from '../report/index.js';
import { diagonalFrechetDistance } from '../segmentation/index.js';
import {
  domainMatrices,
  type EvaluationRow,
  type GapRow,
  generalisationGaps,
  idVsOod,
  isotonicFit,
  leaveOneDomainOut,
  shiftPoints,
  spearman,
  summariseOverSeeds,
  worstDomainScores,
} from './analysis.js';
import type { JsonValue } from './canonical-json.js';
import { PREDICTABLE_SHIFT_MEASURES, roundOptics, shiftGrid } from './predict-shift.js';
import { safeName } from './stages.js';
import type { SweepFile } from './sweep-file.js';
import { registerTaskKind, type TaskInput } from './task-kind.js';

/** Parameters of the `analysis` task. */
export interface AnalysisParams {
  name: string;
  description: string;
  domains: (Domain & { structures: string })[];
  testDomains: string[];
  models: { run: string; seed: number; trainDomains: string[] }[];
  analysis: SweepFile['analysis'];
}

/** Conditions per domain used by the CTF framework (the first ones of its test, val, train splits). */
const MAX_CONDITIONS = 48;

/**
 * What `hrtem predict-shift` needs from a finished sweep (`report/shift-model.json`). Scores and
 * shifts are dimensionless; a score that does not exist (a mixture model's in-distribution loss)
 * is written as null.
 */
export interface ShiftModelFile {
  format: 'hrtem-ood shift model';
  /**
   * The CTF shift measure with the highest Spearman correlation with G_OOD (loss) among those a
   * single condition can be compared with (a key of `PREDICTABLE_SHIFT_MEASURES`).
   */
  measure: string;
  /** The CTF framework's frequency grid: kMax [1/Å], radial bins, azimuths. */
  grid: { kMax: number; bins: number; nphi: number };
  /** Object power spectrum W sampled at k [1/Å] (arbitrary unit). */
  spectrum: { k: number[]; power: number[] };
  /**
   * Sampled optical conditions of each domain (the ones the framework used). JSON has no
   * Infinity, so "no aperture" is written as `aperture: null`; `predictShift` reads it back.
   */
  conditions: Record<string, OpticalCondition[]>;
  /**
   * Isotonic curves G_OOD ≈ f(shift) of `measure`, fitted on every foreign imaging-shift pair:
   * non-decreasing for loss, non-increasing for F1; knots x ascending.
   */
  curves: { loss: { x: number[]; y: number[] }; f1: { x: number[]; y: number[] } };
  models: {
    id: string;
    run: string;
    /** Domains whose training splits the model was trained on (several for a mixture). */
    trainDomains: string[];
    seed: number;
    idLoss: number;
    idF1: number;
  }[];
}

registerTaskKind({
  kind: 'analysis',
  version: '3',
  async run(params, inputs, ctx) {
    const p = params as unknown as AnalysisParams;
    const results = await analyse(p, inputs, (done, total) =>
      ctx.onProgress({ stage: 'analysis', done, total }),
    );
    for (const [name, text] of Object.entries(results.files))
      writeFileAtomic(join(ctx.outDir, name), text);
    return results.summary;
  },
});

interface Layout {
  spectrum: TaskInput;
  datasets: Map<string, TaskInput>;
  trains: Map<string, TaskInput>;
  evaluations: Map<string, TaskInput>;
}

const modelId = (m: { run: string; seed: number }) => `${m.run}/seed-${m.seed}`;

function layout(p: AnalysisParams, inputs: TaskInput[]): Layout {
  const nd = p.domains.length;
  const nm = p.models.length;
  return {
    spectrum: inputs[0],
    datasets: new Map(p.domains.map((d, i) => [d.name, inputs[1 + i]])),
    trains: new Map(p.models.map((m, i) => [modelId(m), inputs[1 + nd + i]])),
    evaluations: new Map(p.models.map((m, i) => [modelId(m), inputs[1 + nd + nm + i]])),
  };
}

/** Optical conditions drawn for a domain's images, as the dataset recorded them. */
function domainConditions(datasetDir: string): OpticalCondition[] {
  const reader = DatasetReader.open(join(datasetDir, 'data'));
  const out: OpticalCondition[] = [];
  for (const split of ['test', 'val', 'train'] as const) {
    for (const shard of reader.manifest.splits[split].shards) {
      const records = JSON.parse(
        readFileSync(join(datasetDir, 'data', shard.samples), 'utf8'),
      ) as SampleRecord[];
      for (const r of records) {
        if (out.length >= MAX_CONDITIONS) return out;
        const condition = withDefocus(parseImagingCondition(r.condition), r.defocus);
        out.push(condition.optics);
      }
    }
  }
  return out;
}

/**
 * The radial distribution of a domain's phase-contrast transfer A·E_t·E_s·sin χ along azimuth 0:
 * at each k the mean over conditions and the 10 % and 90 % quantiles (the order statistics of
 * rank ⌊q·n⌋, counted from 0, of the n sorted values).
 * @param kMax highest frequency [1/Å]; samples 200 frequencies over [0, kMax]
 */
function ctfDistribution(
  conditions: readonly OpticalCondition[],
  kMax: number,
): ReportData['domains'][number]['ctf'] {
  const profileK = Array.from({ length: 200 }, (_, i) => (i * kMax) / 199);
  const profiles = conditions.map((c) => radialProfile(c, profileK).ctf);
  return profileK.map((k, i) => {
    const values = profiles.map((pr) => pr[i]).sort((a, b) => a - b);
    const q = (f: number) => values[Math.min(values.length - 1, Math.floor(f * values.length))];
    return {
      k,
      mean: values.reduce((s, v) => s + v, 0) / values.length,
      low: q(0.1),
      high: q(0.9),
    };
  });
}

/** The imaging part of a domain, for telling imaging shifts from structure shifts. */
function imagingKey(d: Domain & { structures: string }): string {
  const { name: _n, description: _d, structures: _s, ...imaging } = d;
  return JSON.stringify(imaging);
}

function parameterValue(d: Domain, parameter: string): number {
  const spec = (d.condition as Record<string, unknown>)[parameter] as Parameter | undefined;
  return spec === undefined ? 0 : nominalParameter(spec);
}

function csv(header: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) =>
    typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  return `${[header, ...rows].map((r) => r.map(cell).join(',')).join('\n')}\n`;
}

/** Runs the whole analysis; returns the files to write and a small summary. */
export async function analyse(
  p: AnalysisParams,
  inputs: TaskInput[],
  progress: (done: number, total: number) => void,
): Promise<{ files: Record<string, string>; summary: JsonValue }> {
  const io = layout(p, inputs);
  const domainNames = p.domains.map((d) => d.name);
  const notes: string[] = [];

  // 1. Evaluation table and out-of-distribution gaps.
  const rows: EvaluationRow[] = [];
  for (const m of p.models) {
    const metrics = JSON.parse(
      readFileSync(join(io.evaluations.get(modelId(m))!.dir, 'metrics.json'), 'utf8'),
    ) as Record<string, { loss: number; f1: number }>;
    for (const test of p.testDomains) {
      rows.push({
        model: modelId(m),
        seed: m.seed,
        trainDomain: m.run,
        testDomain: test,
        loss: metrics[test].loss,
        f1: metrics[test].f1,
      });
    }
  }
  const singleDomain = rows.filter(
    (r) => domainNames.includes(r.trainDomain) && p.testDomains.includes(r.trainDomain),
  );
  if (singleDomain.length < rows.length) {
    notes.push(
      'Runs trained on domain mixtures (or on domains not evaluated) have no single own domain: they appear in the loss table but not in the G_OOD analysis.',
    );
  }
  const gaps: GapRow[] = generalisationGaps(singleDomain);
  const order = {
    trainDomains: domainNames.filter((d) => gaps.some((g) => g.trainDomain === d)),
    testDomains: p.testDomains,
  };
  const summaries = Object.fromEntries(
    (['loss', 'f1', 'gLoss', 'gF1'] as const).map((metric) => [
      metric,
      summariseOverSeeds(domainMatrices(gaps, metric, order)),
    ]),
  );
  const matrix: ReportData['matrix'] = [];
  order.trainDomains.forEach((train, i) => {
    order.testDomains.forEach((test, j) => {
      matrix.push({
        train,
        test,
        lossMean: summaries.loss.mean[i][j],
        lossSe: summaries.loss.standardError[i][j],
        lossMedian: summaries.loss.median[i][j],
        f1Mean: summaries.f1.mean[i][j],
        f1Se: summaries.f1.standardError[i][j],
        gLossMean: summaries.gLoss.mean[i][j],
        gF1Mean: summaries.gF1.mean[i][j],
        seeds: summaries.loss.n[i][j],
      });
    });
  });
  progress(1, 5);

  // 2. The CTF framework on the sweep's own conditions and exit waves.
  const spectrum = JSON.parse(readFileSync(join(io.spectrum.dir, 'spectrum.json'), 'utf8')) as {
    k: number[];
    power: number[];
  };
  const conditions = Object.fromEntries(
    p.domains.map((d) => [d.name, domainConditions(io.datasets.get(d.name)!.dir)]),
  );
  const kMax = Math.min(...p.domains.map((d) => 1 / (2 * nominalParameter(d.condition.pixelSize))));
  const nphi = roundOptics(Object.values(conditions).flat()) ? 1 : 16;
  const gridSpec = { kMax, bins: p.analysis.frequencySamples, nphi };
  const grid = shiftGrid(gridSpec, spectrum);
  const transfers = Object.fromEntries(
    domainNames.map((d) => [d, transferOnGrid(conditions[d], grid)]),
  );
  const epsilon = Object.fromEntries(
    domainNames.map((d) => [d, informationContent(transfers[d], grid)]),
  );
  const overlap = new Map<string, ReturnType<typeof domainOverlap>>();
  for (const a of domainNames)
    for (const b of domainNames)
      overlap.set(`${a}→${b}`, domainOverlap(transfers[a], transfers[b], grid));
  progress(2, 5);

  // 3. Shift measures against G_OOD, separating structure-only shifts.
  const byName = new Map(p.domains.map((d) => [d.name, d]));
  const isStructureShift = (a: string, b: string) =>
    byName.get(a)!.structures !== byName.get(b)!.structures &&
    imagingKey(byName.get(a)!) === imagingKey(byName.get(b)!);
  const imagingGaps = gaps.filter((g) => !isStructureShift(g.trainDomain, g.testDomain));
  const structureGaps = gaps.filter(
    (g) => g.trainDomain !== g.testDomain && isStructureShift(g.trainDomain, g.testDomain),
  );
  const baselineName = `|Δ${p.analysis.parameter}| [${p.analysis.parameterUnit}]`;
  // `predictable`: a single new condition can be compared with a domain on the same scale (see
  // PREDICTABLE_SHIFT_MEASURES), so `hrtem predict-shift` may use the measure's curve.
  const measures: {
    name: string;
    baseline: boolean;
    predictable: boolean;
    of: (a: string, b: string) => number;
  }[] = [
    {
      name: baselineName,
      baseline: true,
      predictable: false,
      of: (a, b) =>
        Math.abs(
          parameterValue(byName.get(a)!, p.analysis.parameter) -
            parameterValue(byName.get(b)!, p.analysis.parameter),
        ) / p.analysis.parameterScale,
    },
    ...Object.entries(PREDICTABLE_SHIFT_MEASURES).map(([name, of]) => ({
      name,
      baseline: false,
      predictable: true,
      of: (a: string, b: string) => of(overlap.get(`${a}→${b}`)!),
    })),
    {
      name: 'normalised CTF shift 1 − σ_s(X,X′)/√(σ_s(X,X)σ_s(X′,X′))',
      baseline: false,
      predictable: false,
      of: (a, b) => {
        const self = Math.sqrt(
          Math.abs(overlap.get(`${a}→${a}`)!.signed * overlap.get(`${b}→${b}`)!.signed),
        );
        return self > 0 ? 1 - overlap.get(`${a}→${b}`)!.signed / self : 1;
      },
    },
  ];
  const featureShift = modelFeatureShifts(p, io);
  measures.push({
    name: 'model feature shift (Fréchet distance of bottleneck features)',
    baseline: false,
    predictable: false,
    of: (a, b) => featureShift.get(`${a}→${b}`) ?? Number.NaN,
  });
  const shiftMeasures: (ReportData['shiftMeasures'][number] & { predictable: boolean })[] = [];
  const shiftPointRows: ReportData['shiftPoints'] = [];
  const enoughPairs = imagingGaps.filter((g) => g.trainDomain !== g.testDomain).length >= 3;
  for (const m of measures) {
    // The same foreign imaging-shift pairs feed the correlations, the curves and the charts.
    const loss = shiftPoints(imagingGaps, m.of, 'gLoss');
    const f1 = shiftPoints(imagingGaps, m.of, 'gF1');
    if (loss.length === 0) continue;
    const curve = isotonicFit(
      loss.map((q) => q.shift),
      loss.map((q) => q.value),
      { increasing: true },
    );
    const curveF1 = isotonicFit(
      f1.map((q) => q.shift),
      f1.map((q) => q.value),
      { increasing: false },
    );
    shiftMeasures.push({
      measure: m.name,
      spearmanLoss: enoughPairs
        ? spearman(
            loss.map((q) => q.shift),
            loss.map((q) => q.value),
          )
        : Number.NaN,
      spearmanF1: enoughPairs
        ? spearman(
            f1.map((q) => q.shift),
            f1.map((q) => q.value),
          )
        : Number.NaN,
      looMaeLoss: enoughPairs ? leaveOneDomainOut(loss).mae : Number.NaN,
      curve: curve.x.map((x, i) => ({ x, y: curve.y[i] })),
      curveF1: curveF1.x.map((x, i) => ({ x, y: curveF1.y[i] })),
      baseline: m.baseline,
      predictable: m.predictable,
    });
  }
  for (const g of imagingGaps.filter((r) => r.trainDomain !== r.testDomain)) {
    shiftPointRows.push({
      train: g.trainDomain,
      test: g.testDomain,
      gLoss: g.gLoss,
      gF1: g.gF1,
      shifts: Object.fromEntries(measures.map((m) => [m.name, m.of(g.trainDomain, g.testDomain)])),
    });
  }
  const structurePairs: ReportData['structurePairs'] = structureGaps.map((g) => ({
    train: g.trainDomain,
    test: g.testDomain,
    gLoss: g.gLoss,
    gF1: g.gF1,
    shifts: Object.fromEntries(measures.map((m) => [m.name, m.of(g.trainDomain, g.testDomain)])),
  }));
  progress(3, 5);

  // 4. Per-model scores, learning curves and examples.
  const worst = worstDomainScores(rows);
  const models: ReportData['models'] = worst.map((w) => {
    const own = gaps.find((g) => g.model === w.model);
    return {
      id: w.model,
      trainDomain: w.trainDomain,
      seed: w.seed,
      idLoss: own?.idLoss ?? Number.NaN,
      idF1: own?.idF1 ?? Number.NaN,
      worstDomain: w.worstLossDomain,
      worstLoss: w.worstLoss,
    };
  });
  const scatter = idVsOod(gaps, 'loss');
  const learningCurves: ReportData['learningCurves'] = [];
  for (const m of p.models) {
    const history = JSON.parse(
      readFileSync(join(io.trains.get(modelId(m))!.dir, 'history.json'), 'utf8'),
    ) as {
      epochs: { epoch: number; validation: Record<string, { loss: number }> }[];
    };
    for (const e of history.epochs) {
      for (const [domain, metrics] of Object.entries(e.validation)) {
        learningCurves.push({
          model: modelId(m),
          trainDomain: m.run,
          epoch: e.epoch,
          domain,
          loss: metrics.loss,
        });
      }
    }
  }
  const domainsReport: ReportData['domains'] = [];
  for (const d of p.domains) {
    domainsReport.push({
      name: d.name,
      description: d.description ?? '',
      epsilon: epsilon[d.name],
      ctf: ctfDistribution(conditions[d.name], kMax),
      examples: await examples(d.name, io, p),
    });
  }
  progress(4, 5);

  // The scatter shows exactly the points the line and R² were fitted to: one per model and
  // foreign test domain.
  const idOod: ReportData['idVsOod'] = {
    points: scatter.points.map((q) => ({
      model: q.model,
      testDomain: q.testDomain,
      id: q.id,
      ood: q.ood,
    })),
    slope: scatter.fit?.slope ?? Number.NaN,
    intercept: scatter.fit?.intercept ?? Number.NaN,
    r2: scatter.fit?.r2 ?? Number.NaN,
  };
  const epsilonVsIdLoss = domainNames
    .map((d) => {
      const own = gaps.filter((g) => g.trainDomain === d && g.testDomain === d);
      return {
        domain: d,
        epsilon: epsilon[d],
        idLoss: own.reduce((s, g) => s + g.loss, 0) / Math.max(1, own.length),
      };
    })
    .filter((e) => gaps.some((g) => g.trainDomain === e.domain));
  const byDistance = meanGapByDistance(shiftPointRows, baselineName);
  notes.push(
    `Mean G_OOD (loss) by ${baselineName}: ${byDistance.map((b) => `${Number(b.distance.toPrecision(3))}: ${b.mean.toPrecision(3)} (${b.n} pairs)`).join('; ')}.`,
  );
  const ownOrNeighbour = ownOrNeighbourFraction(gaps, domainNames, p, byName);
  notes.push(
    `Each model's loss is lowest on its own domain or a neighbouring one (adjacent in ${p.analysis.parameter}) in ${(100 * ownOrNeighbour).toFixed(0)} % of rows.`,
  );

  const report: ReportData = {
    title: `hrtem-ood sweep: ${p.name}`,
    sweepFile: p.name,
    createdAt: 'see state.sqlite for run times',
    runTimeSeconds: Number.NaN,
    codeVersion: '',
    notes,
    domains: domainsReport,
    matrix,
    models,
    shiftPoints: shiftPointRows,
    shiftMeasures: shiftMeasures.map(({ predictable: _p, ...m }) => m),
    idVsOod: idOod,
    epsilonVsIdLoss,
    learningCurves,
    structurePairs,
  };
  const best = bestPredictableMeasure(shiftMeasures);
  const trainDomainsOf = new Map(p.models.map((m) => [modelId(m), m.trainDomains]));
  const shiftModel: ShiftModelFile | null = best
    ? {
        format: 'hrtem-ood shift model',
        measure: best.measure,
        grid: gridSpec,
        spectrum,
        conditions,
        curves: {
          loss: { x: best.curve.map((c) => c.x), y: best.curve.map((c) => c.y) },
          f1: { x: best.curveF1.map((c) => c.x), y: best.curveF1.map((c) => c.y) },
        },
        models: models.map((m) => ({
          id: m.id,
          run: m.trainDomain,
          trainDomains: trainDomainsOf.get(m.id) ?? [m.trainDomain],
          seed: m.seed,
          idLoss: m.idLoss,
          idF1: m.idF1,
        })),
      }
    : null;
  const files: Record<string, string> = {
    'report-data.json': `${JSON.stringify(report, null, 2)}\n`,
    'results.json': `${JSON.stringify({ rows: gaps, epsilon, overlaps: Object.fromEntries(overlap), shiftMeasures, predictionMeasure: best?.measure ?? null, idVsOod: idOod, ownOrNeighbour, meanGapByDistance: byDistance }, null, 2)}\n`,
    'matrix.csv': csv(
      [
        'train',
        'test',
        'loss_mean',
        'loss_se',
        'loss_median',
        'f1_mean',
        'f1_se',
        'g_loss_mean',
        'g_f1_mean',
        'seeds',
      ],
      matrix.map(matrixCellValues),
    ),
    'evaluations.csv': csv(
      ['model', 'seed', 'train', 'test', 'loss', 'f1', 'id_loss', 'id_f1', 'g_loss', 'g_f1'],
      gaps.map((g) => [
        g.model,
        g.seed,
        g.trainDomain,
        g.testDomain,
        g.loss,
        g.f1,
        g.idLoss,
        g.idF1,
        g.gLoss,
        g.gF1,
      ]),
    ),
    'shifts.csv': csv(
      ['train', 'test', 'g_loss', 'g_f1', ...measures.map((m) => m.name)],
      [...shiftPointRows, ...structurePairs].map((s) => [
        s.train,
        s.test,
        s.gLoss,
        s.gF1,
        ...measures.map((m) => s.shifts[m.name]),
      ]),
    ),
    'shift-correlations.csv': csv(
      [
        'measure',
        'spearman_loss',
        'spearman_f1',
        'loo_mae_loss',
        'baseline',
        'used_by_predict_shift',
      ],
      shiftMeasures.map((m) => [
        m.measure,
        m.spearmanLoss,
        m.spearmanF1,
        m.looMaeLoss,
        m.baseline ? 1 : 0,
        m === best ? 1 : 0,
      ]),
    ),
    'shift-curves.csv': csv(
      ['measure', 'metric', 'shift', 'g_ood'],
      shiftMeasures.flatMap((m) => [
        ...m.curve.map((c) => [m.measure, 'loss', c.x, c.y]),
        ...m.curveF1.map((c) => [m.measure, 'f1', c.x, c.y]),
      ]),
    ),
    'domains.csv': csv(
      ['domain', 'epsilon'],
      domainNames.map((d) => [d, epsilon[d]]),
    ),
    'learning-curves.csv': csv(
      ['model', 'train', 'epoch', 'domain', 'val_loss'],
      learningCurves.map((c) => [c.model, c.trainDomain, c.epoch, c.domain, c.loss]),
    ),
  };
  if (shiftModel) files['shift-model.json'] = `${JSON.stringify(shiftModel)}\n`;
  progress(5, 5);
  return {
    files,
    // A correlation needs three foreign pairs (three domains); JSON has no NaN, so an undefined
    // value is stored as null.
    summary: {
      ownOrNeighbour: finiteOrNull(ownOrNeighbour),
      spearman: Object.fromEntries(
        shiftMeasures.map((m) => [m.measure, finiteOrNull(m.spearmanLoss)]),
      ),
      epsilon,
    } as unknown as JsonValue,
  };
}

/**
 * Model-based shift of every (train, test) pair: for each model trained on X, the diagonal Fréchet
 * distance between its bottleneck features on X's test images and on X′'s, averaged over seeds.
 * Unlike the CTF measures it also sees structure and dose shifts.
 */
function modelFeatureShifts(p: AnalysisParams, io: Layout): Map<string, number> {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const m of p.models) {
    if (!p.testDomains.includes(m.run)) continue;
    const dir = io.evaluations.get(modelId(m))!.dir;
    const load = (d: string) => readNpy(join(dir, `features-${safeName(d)}.npy`));
    const own = load(m.run);
    for (const test of p.testDomains) {
      const other = load(test);
      const d = diagonalFrechetDistance(
        own.data as Float32Array,
        other.data as Float32Array,
        own.shape[1],
      );
      const e = sums.get(`${m.run}→${test}`) ?? { sum: 0, n: 0 };
      e.sum += d;
      e.n += 1;
      sums.set(`${m.run}→${test}`, e);
    }
  }
  return new Map([...sums].map(([k, e]) => [k, e.sum / e.n]));
}

/** Mean G_OOD (loss) of the foreign pairs at each distinct value of the baseline distance. */
function meanGapByDistance(points: ReportData['shiftPoints'], measure: string) {
  const groups = new Map<number, { sum: number; n: number }>();
  for (const q of points) {
    const d = Number(q.shifts[measure].toPrecision(6));
    const g = groups.get(d) ?? { sum: 0, n: 0 };
    g.sum += q.gLoss;
    g.n += 1;
    groups.set(d, g);
  }
  return [...groups]
    .sort((a, b) => a[0] - b[0])
    .map(([distance, g]) => ({ distance, mean: g.sum / g.n, n: g.n }));
}

/**
 * The measure `hrtem predict-shift` uses: the predictable one with the highest Spearman ρ with
 * G_OOD (loss); ρ = NaN (too few pairs, constant shift) ranks last; ties keep the listed order.
 */
function bestPredictableMeasure<T extends { predictable: boolean; spearmanLoss: number }>(
  measures: T[],
): T | undefined {
  const rank = (m: T) => (Number.isFinite(m.spearmanLoss) ? m.spearmanLoss : -Infinity);
  let best: T | undefined;
  for (const m of measures.filter((q) => q.predictable))
    if (!best || rank(m) > rank(best)) best = m;
  return best;
}

/**
 * Fraction of (model, test domain) rows… per model: is its lowest-loss test domain its own or a
 * neighbour in the swept parameter (adjacent in sorted order)?
 */
function ownOrNeighbourFraction(
  gaps: GapRow[],
  domainNames: string[],
  p: AnalysisParams,
  byName: Map<string, Domain>,
): number {
  const sorted = [...domainNames].sort(
    (a, b) =>
      parameterValue(byName.get(a)!, p.analysis.parameter) -
      parameterValue(byName.get(b)!, p.analysis.parameter),
  );
  const models = [...new Set(gaps.map((g) => g.model))];
  let good = 0;
  for (const model of models) {
    const own = gaps.filter((g) => g.model === model);
    const best = own.reduce((a, b) => (b.loss < a.loss ? b : a));
    const i = sorted.indexOf(best.trainDomain);
    const j = sorted.indexOf(best.testDomain);
    if (Math.abs(i - j) <= 1) good++;
  }
  return models.length > 0 ? good / models.length : Number.NaN;
}

async function examples(
  domain: string,
  io: Layout,
  p: AnalysisParams,
): Promise<ReportData['domains'][number]['examples']> {
  const dataset = io.datasets.get(domain)!;
  const reader = DatasetReader.open(join(dataset.dir, 'data'));
  const ownModel = p.models.find((m) => m.run === domain) ?? p.models[0];
  const predictionsPath = join(
    io.evaluations.get(modelId(ownModel))!.dir,
    `predictions-${safeName(domain)}.npy`,
  );
  let predictions: Float32Array | null = null;
  try {
    predictions = readNpy(predictionsPath).data as Float32Array;
  } catch {
    predictions = null;
  }
  const [h, w] = reader.manifest.imageShape;
  const out: ReportData['domains'][number]['examples'] = [];
  const k = Math.min(3, reader.count('test'));
  for (let i = 0; i < k; i++) {
    const sample = reader.read('test', i);
    out.push({
      image: await grayscalePng(sample.image, [h, w]),
      mask: await maskPng(sample.mask, [h, w]),
      prediction: predictions
        ? await maskPng(predictions.subarray(i * h * w, (i + 1) * h * w), [h, w])
        : undefined,
      caption: `${sample.record.structureId}, defocus ${(sample.record.defocus / 10).toFixed(1)} nm${predictions ? `; prediction of ${modelId(ownModel)}` : ''}`,
    });
  }
  return out;
}

/** Renders the report of an analysis artefact with the run's facts filled in. */
export async function renderSweepReport(
  analysisDir: string,
  facts: { sweepFile: string; createdAt: string; runTimeSeconds: number; codeVersion: string },
): Promise<string> {
  const data = JSON.parse(
    readFileSync(join(analysisDir, 'report-data.json'), 'utf8'),
  ) as ReportData;
  return renderReport({ ...data, ...facts });
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
