/**
 * Out-of-distribution measures of a sweep's evaluation table, reported the way
 * domain-generalisation benchmarks report them, and the statistics the CTF framework needs:
 *
 * - generalisation gap G_OOD(X→X′) = L_X′(f) − L_X(f) for a model f trained on domain X, where
 *   L_X(f) is its loss on the held-out test split of its own domain (and the same for F1, where a
 *   negative gap means a drop);
 * - train × test matrices per seed; mean, standard error (sample standard deviation / √n) and
 *   median over seeds; each model's worst-domain score;
 * - least-squares line with R², Spearman rank correlation (ties get average ranks);
 * - isotonic regression by pool-adjacent-violators and its leave-one-domain-out error.
 *
 * Losses and F1 are dimensionless; shifts are in whatever unit the caller's measure has.
 */
import { InputError } from '../core/errors.js';

/** One evaluation: a trained model on one domain's test split. */
export interface EvaluationRow {
  /** Unique id of the trained network. */
  model: string;
  /** Training seed. */
  seed: number;
  /** Domain (or mixture label) the model was trained on. */
  trainDomain: string;
  /** Domain whose test split was evaluated. */
  testDomain: string;
  /** Mean loss on the test split. */
  loss: number;
  /** Mean F1 score on the test split, in [0, 1]. */
  f1: number;
}

/** An evaluation with the model's in-distribution scores and its generalisation gaps. */
export interface GapRow extends EvaluationRow {
  /** L_X(f): loss on the model's own domain. */
  idLoss: number;
  /** F1 on the model's own domain. */
  idF1: number;
  /** G_OOD for loss: loss − idLoss (0 on the own domain). */
  gLoss: number;
  /** G_OOD for F1: f1 − idF1 (negative when F1 drops). */
  gF1: number;
}

/** Quantities a matrix or summary can be built from. */
export type GapMetric = 'loss' | 'f1' | 'gLoss' | 'gF1';

/**
 * Adds in-distribution scores and gaps to every evaluation row.
 *
 * @param rows evaluations; every model needs exactly one row on its own training domain
 * @returns one GapRow per input row, in input order
 * @throws InputError when a model has no (or two) evaluation(s) on one test domain, or rows of one
 *   model disagree on its seed or training domain; RangeError for a non-finite loss or F1
 * @example
 * generalisationGaps([
 *   { model: 'm', seed: 0, trainDomain: 'A', testDomain: 'A', loss: 0.1, f1: 0.9 },
 *   { model: 'm', seed: 0, trainDomain: 'A', testDomain: 'B', loss: 0.3, f1: 0.7 },
 * ])[1].gLoss; // 0.2
 */
export function generalisationGaps(rows: readonly EvaluationRow[]): GapRow[] {
  const byModel = new Map<string, Map<string, EvaluationRow>>();
  for (const row of rows) {
    if (!Number.isFinite(row.loss) || !Number.isFinite(row.f1)) {
      throw new RangeError(
        `evaluation of model '${row.model}' on '${row.testDomain}': loss and f1 must be finite, got ${row.loss}, ${row.f1}`,
      );
    }
    let tests = byModel.get(row.model);
    if (!tests) {
      tests = new Map();
      byModel.set(row.model, tests);
    }
    const first = tests.values().next().value as EvaluationRow | undefined;
    if (first && (first.seed !== row.seed || first.trainDomain !== row.trainDomain)) {
      throw new InputError(
        `evaluations of model '${row.model}' disagree on its seed or training domain (${first.seed}/${first.trainDomain} vs ${row.seed}/${row.trainDomain})`,
      );
    }
    if (tests.has(row.testDomain)) {
      throw new InputError(`model '${row.model}' is evaluated twice on domain '${row.testDomain}'`);
    }
    tests.set(row.testDomain, row);
  }
  return rows.map((row) => {
    const own = byModel.get(row.model)!.get(row.trainDomain);
    if (!own) {
      throw new InputError(
        `model '${row.model}' has no evaluation on its own training domain '${row.trainDomain}', so its generalisation gap is undefined`,
      );
    }
    return {
      ...row,
      idLoss: own.loss,
      idF1: own.f1,
      gLoss: row.loss - own.loss,
      gF1: row.f1 - own.f1,
    };
  });
}

/** Train × test matrices of one metric, one per seed; NaN where a pair was not evaluated. */
export interface SeedMatrices {
  metric: GapMetric;
  trainDomains: string[];
  testDomains: string[];
  seeds: number[];
  /** values[s][i][j]: seed seeds[s], train domain i, test domain j. */
  values: number[][][];
}

/**
 * Arranges one metric as train-domain × test-domain matrices per seed.
 *
 * @param rows gap rows; at most one model per (seed, train domain) (filter other settings first)
 * @param metric which quantity to place
 * @param order optional domain orders (default: order of first appearance)
 * @throws InputError when two models share a seed and training domain
 */
export function domainMatrices(
  rows: readonly GapRow[],
  metric: GapMetric,
  order: { trainDomains?: string[]; testDomains?: string[] } = {},
): SeedMatrices {
  const unique = (values: Iterable<string | number>) => [...new Set(values)];
  const trainDomains = order.trainDomains ?? (unique(rows.map((r) => r.trainDomain)) as string[]);
  const testDomains = order.testDomains ?? (unique(rows.map((r) => r.testDomain)) as string[]);
  const seeds = (unique(rows.map((r) => r.seed)) as number[]).sort((a, b) => a - b);
  const values = seeds.map(() => trainDomains.map(() => testDomains.map(() => Number.NaN)));
  const owner = new Map<string, string>();
  for (const row of rows) {
    const s = seeds.indexOf(row.seed);
    const i = trainDomains.indexOf(row.trainDomain);
    const j = testDomains.indexOf(row.testDomain);
    if (i < 0 || j < 0) continue;
    const cell = `${row.seed}/${row.trainDomain}`;
    const previous = owner.get(cell);
    if (previous !== undefined && previous !== row.model) {
      throw new InputError(
        `models '${previous}' and '${row.model}' share seed ${row.seed} and training domain '${row.trainDomain}'; select one model setting before building matrices`,
      );
    }
    owner.set(cell, row.model);
    values[s][i][j] = row[metric];
  }
  return { metric, trainDomains, testDomains, seeds, values };
}

/** Mean, standard error, median and count of a sample. */
export interface SampleSummary {
  mean: number;
  /** Sample standard deviation (n − 1) / √n; NaN for fewer than two values. */
  standardError: number;
  median: number;
  /** Number of finite values used. */
  n: number;
}

/**
 * Summarises a sample, ignoring NaN entries (pairs not evaluated).
 *
 * @returns mean, standard error, median and n; all NaN (n = 0) for an empty sample
 */
export function summarise(values: readonly number[]): SampleSummary {
  const finite = values.filter((v) => !Number.isNaN(v));
  const n = finite.length;
  if (n === 0) return { mean: Number.NaN, standardError: Number.NaN, median: Number.NaN, n: 0 };
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? finite.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const middle = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { mean, standardError: Math.sqrt(variance / n), median, n };
}

/** Element-wise summaries of per-seed matrices. */
export interface MatrixSummary {
  metric: GapMetric;
  trainDomains: string[];
  testDomains: string[];
  mean: number[][];
  standardError: number[][];
  median: number[][];
  n: number[][];
}

/** Mean ± standard error and median over seeds of each (train, test) cell. */
export function summariseOverSeeds(matrices: SeedMatrices): MatrixSummary {
  const { trainDomains, testDomains, values } = matrices;
  const cells = trainDomains.map((_, i) =>
    testDomains.map((_, j) => summarise(values.map((m) => m[i][j]))),
  );
  const pick = <K extends keyof SampleSummary>(key: K) =>
    cells.map((row) => row.map((c) => c[key]));
  return {
    metric: matrices.metric,
    trainDomains,
    testDomains,
    mean: pick('mean'),
    standardError: pick('standardError'),
    median: pick('median'),
    n: pick('n'),
  };
}

/** A model's worst test domain for loss (highest) and for F1 (lowest). */
export interface WorstDomain {
  model: string;
  seed: number;
  trainDomain: string;
  worstLoss: number;
  worstLossDomain: string;
  worstF1: number;
  worstF1Domain: string;
}

/** Each model's worst-domain loss and F1 over every domain it was evaluated on (own included). */
export function worstDomainScores(rows: readonly EvaluationRow[]): WorstDomain[] {
  const byModel = new Map<string, WorstDomain>();
  for (const row of rows) {
    const worst = byModel.get(row.model);
    if (!worst) {
      byModel.set(row.model, {
        model: row.model,
        seed: row.seed,
        trainDomain: row.trainDomain,
        worstLoss: row.loss,
        worstLossDomain: row.testDomain,
        worstF1: row.f1,
        worstF1Domain: row.testDomain,
      });
      continue;
    }
    if (row.loss > worst.worstLoss) {
      worst.worstLoss = row.loss;
      worst.worstLossDomain = row.testDomain;
    }
    if (row.f1 < worst.worstF1) {
      worst.worstF1 = row.f1;
      worst.worstF1Domain = row.testDomain;
    }
  }
  return [...byModel.values()];
}

/** Least-squares line y ≈ slope·x + intercept. */
export interface LinearFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination 1 − SS_res/SS_tot (NaN when y is constant). */
  r2: number;
  n: number;
}

/**
 * Ordinary least-squares line through (x, y).
 *
 * @throws TypeError when x and y differ in length; RangeError for fewer than two points or a
 *   constant x
 */
export function linearFit(x: readonly number[], y: readonly number[]): LinearFit {
  requirePairs(x, y, 2, 'linearFit');
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) ** 2;
  }
  if (sxx === 0) throw new RangeError(`linearFit: x must not be constant, got all ${x[0]}`);
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ssRes = 0;
  for (let i = 0; i < n; i++) ssRes += (y[i] - (slope * x[i] + intercept)) ** 2;
  return { slope, intercept, r2: syy === 0 ? Number.NaN : 1 - ssRes / syy, n };
}

/** One point of the in-distribution vs out-of-distribution scatter. */
export interface IdOodPoint {
  model: string;
  seed: number;
  trainDomain: string;
  testDomain: string;
  /** The model's score on its own domain. */
  id: number;
  /** Its score on `testDomain`. */
  ood: number;
}

/**
 * In-distribution vs out-of-distribution scatter (one point per model and foreign test domain)
 * with its least-squares line.
 *
 * @param metric 'loss' or 'f1'
 * @returns the points and the fit (fit undefined when fewer than two points or constant ID score)
 */
export function idVsOod(
  rows: readonly GapRow[],
  metric: 'loss' | 'f1',
): { points: IdOodPoint[]; fit: LinearFit | undefined } {
  const points = rows
    .filter((r) => r.testDomain !== r.trainDomain)
    .map((r) => ({
      model: r.model,
      seed: r.seed,
      trainDomain: r.trainDomain,
      testDomain: r.testDomain,
      id: metric === 'loss' ? r.idLoss : r.idF1,
      ood: r[metric],
    }));
  const x = points.map((p) => p.id);
  const fit =
    points.length >= 2 && x.some((v) => v !== x[0])
      ? linearFit(
          x,
          points.map((p) => p.ood),
        )
      : undefined;
  return { points, fit };
}

/** Ranks 1…n with ties given their average rank. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && order[end][0] === order[start][0]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k][1]] = rank;
    start = end;
  }
  return ranks;
}

/** Pearson correlation coefficient (NaN when either variable is constant). */
export function pearson(x: readonly number[], y: readonly number[]): number {
  requirePairs(x, y, 2, 'pearson');
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

/**
 * Spearman rank correlation: Pearson correlation of the average ranks (the tie-corrected form).
 *
 * @returns ρ in [−1, 1], NaN when either variable is constant
 * @throws TypeError for different lengths; RangeError for fewer than two pairs or non-finite values
 */
export function spearman(x: readonly number[], y: readonly number[]): number {
  requirePairs(x, y, 2, 'spearman');
  return pearson(averageRanks(x), averageRanks(y));
}

/** A monotone step curve through knots, linearly interpolated between them. */
export interface IsotonicCurve {
  /** Distinct x values, ascending. */
  x: number[];
  /** Fitted values at `x`, monotone in the fitted direction. */
  y: number[];
  increasing: boolean;
}

/**
 * Isotonic regression by pool-adjacent-violators: the monotone sequence closest to y in weighted
 * least squares. Points with equal x are pooled first (weighted mean).
 *
 * @param options.increasing fit a non-decreasing (default) or non-increasing curve
 * @param options.weights positive weights (default 1 each)
 * @throws TypeError for different lengths; RangeError for an empty input, non-finite values or a
 *   weight ≤ 0
 */
export function isotonicFit(
  x: readonly number[],
  y: readonly number[],
  options: { increasing?: boolean; weights?: readonly number[] } = {},
): IsotonicCurve {
  requirePairs(x, y, 1, 'isotonicFit');
  const increasing = options.increasing ?? true;
  const weights = options.weights ?? x.map(() => 1);
  if (weights.length !== x.length || weights.some((w) => !(w > 0) || !Number.isFinite(w))) {
    throw new RangeError('isotonicFit: weights must be one finite value > 0 per point');
  }
  const sign = increasing ? 1 : -1;
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
  // Blocks of pooled points: weighted sum of (sign·y), total weight, number of distinct x.
  const blocks: { sum: number; weight: number; knots: number }[] = [];
  const knots: number[] = [];
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const sameX = knots.length > 0 && knots[knots.length - 1] === x[i];
    if (sameX) {
      const top = blocks[blocks.length - 1];
      top.sum += weights[i] * sign * y[i];
      top.weight += weights[i];
    } else {
      knots.push(x[i]);
      blocks.push({ sum: weights[i] * sign * y[i], weight: weights[i], knots: 1 });
    }
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1];
      const a = blocks[blocks.length - 2];
      if (a.sum / a.weight <= b.sum / b.weight) break;
      blocks.pop();
      a.sum += b.sum;
      a.weight += b.weight;
      a.knots += b.knots;
    }
  }
  const fitted: number[] = [];
  for (const block of blocks)
    for (let k = 0; k < block.knots; k++) fitted.push((sign * block.sum) / block.weight);
  return { x: knots, y: fitted, increasing };
}

/**
 * Evaluates an isotonic curve: linear interpolation between knots, the end values beyond them.
 */
export function predictIsotonic(curve: IsotonicCurve, x: number): number {
  const { x: xs, y: ys } = curve;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[xs.length - 1]) return ys[ys.length - 1];
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  const t = (x - xs[lo]) / (xs[hi] - xs[lo]);
  return ys[lo] + t * (ys[hi] - ys[lo]);
}

/** One (train, test) pair's shift and generalisation gap. */
export interface ShiftPoint {
  trainDomain: string;
  testDomain: string;
  /** The shift measure (any unit). */
  shift: number;
  /** The gap (or other value) to predict. */
  value: number;
}

/**
 * The (shift, gap) points of every foreign (train, test) pair, for correlating a shift measure
 * with G_OOD and fitting the curve G_OOD ≈ f(shift). Own-domain pairs (gap 0 by definition) are
 * left out.
 *
 * @param shiftOf the shift of a (train, test) domain pair (e.g. |Δdefocus| in Å, or 1 − σ)
 * @param metric which gap to use (default gLoss)
 * @throws RangeError when shiftOf returns a non-finite value
 */
export function shiftPoints(
  rows: readonly GapRow[],
  shiftOf: (trainDomain: string, testDomain: string) => number,
  metric: 'gLoss' | 'gF1' = 'gLoss',
): ShiftPoint[] {
  return rows
    .filter((r) => r.testDomain !== r.trainDomain)
    .map((r) => {
      const shift = shiftOf(r.trainDomain, r.testDomain);
      if (!Number.isFinite(shift)) {
        throw new RangeError(
          `shift of (${r.trainDomain} → ${r.testDomain}) must be finite, got ${shift}`,
        );
      }
      return { trainDomain: r.trainDomain, testDomain: r.testDomain, shift, value: r[metric] };
    });
}

/** Leave-one-domain-out prediction errors of an isotonic curve. */
export interface LeaveOneDomainOut {
  /** Per held-out domain: its pairs' predictions and errors (NaN when nothing was left to fit). */
  perDomain: {
    domain: string;
    n: number;
    rmse: number;
    mae: number;
    predictions: (ShiftPoint & { predicted: number })[];
  }[];
  /** Root-mean-square error over all predicted pairs. */
  rmse: number;
  /** Mean absolute error over all predicted pairs. */
  mae: number;
  /** Number of predicted pairs. */
  n: number;
}

/**
 * Leave-one-domain-out error of predicting G_OOD from the shift with a monotone curve: for each
 * domain D, the curve is fitted to the pairs that involve D neither as training nor as test
 * domain, then predicts every pair with test domain D trained elsewhere.
 *
 * @param options.increasing direction of the fitted curve (default true: larger shift, larger gap)
 */
export function leaveOneDomainOut(
  points: readonly ShiftPoint[],
  options: { increasing?: boolean } = {},
): LeaveOneDomainOut {
  const domains = [...new Set(points.flatMap((p) => [p.trainDomain, p.testDomain]))];
  const perDomain: LeaveOneDomainOut['perDomain'] = [];
  let squared = 0;
  let absolute = 0;
  let n = 0;
  for (const domain of domains) {
    const fitSet = points.filter((p) => p.trainDomain !== domain && p.testDomain !== domain);
    const heldOut = points.filter((p) => p.testDomain === domain && p.trainDomain !== domain);
    if (fitSet.length === 0 || heldOut.length === 0) {
      perDomain.push({ domain, n: 0, rmse: Number.NaN, mae: Number.NaN, predictions: [] });
      continue;
    }
    const curve = isotonicFit(
      fitSet.map((p) => p.shift),
      fitSet.map((p) => p.value),
      options,
    );
    const predictions = heldOut.map((p) => ({ ...p, predicted: predictIsotonic(curve, p.shift) }));
    let sq = 0;
    let ab = 0;
    for (const p of predictions) {
      sq += (p.predicted - p.value) ** 2;
      ab += Math.abs(p.predicted - p.value);
    }
    squared += sq;
    absolute += ab;
    n += predictions.length;
    perDomain.push({
      domain,
      n: predictions.length,
      rmse: Math.sqrt(sq / predictions.length),
      mae: ab / predictions.length,
      predictions,
    });
  }
  return {
    perDomain,
    rmse: n > 0 ? Math.sqrt(squared / n) : Number.NaN,
    mae: n > 0 ? absolute / n : Number.NaN,
    n,
  };
}

function requirePairs(x: readonly number[], y: readonly number[], min: number, name: string): void {
  if (x.length !== y.length) {
    throw new TypeError(
      `${name}: x and y must have the same length, got ${x.length} and ${y.length}`,
    );
  }
  if (x.length < min)
    throw new RangeError(`${name}: needs at least ${min} points, got ${x.length}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      throw new RangeError(`${name}: values must be finite, got (${x[i]}, ${y[i]}) at index ${i}`);
    }
  }
}
