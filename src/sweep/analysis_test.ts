import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import {
  averageRanks,
  domainMatrices,
  type EvaluationRow,
  generalisationGaps,
  idVsOod,
  isotonicFit,
  leaveOneDomainOut,
  linearFit,
  predictIsotonic,
  shiftPoints,
  spearman,
  summarise,
  summariseOverSeeds,
  worstDomainScores,
} from './analysis.js';

const row = (
  model: string,
  seed: number,
  train: string,
  test: string,
  loss: number,
  f1: number,
): EvaluationRow => ({
  model,
  seed,
  trainDomain: train,
  testDomain: test,
  loss,
  f1,
});

// m1 and m3 trained on A (seeds 0 and 1), m2 on B (seed 0); values chosen by hand.
const table: EvaluationRow[] = [
  row('m1', 0, 'A', 'A', 0.1, 0.9),
  row('m1', 0, 'A', 'B', 0.3, 0.8),
  row('m1', 0, 'A', 'C', 0.6, 0.5),
  row('m2', 0, 'B', 'A', 0.4, 0.7),
  row('m2', 0, 'B', 'B', 0.2, 0.85),
  row('m2', 0, 'B', 'C', 0.25, 0.8),
  row('m3', 1, 'A', 'A', 0.12, 0.88),
  row('m3', 1, 'A', 'B', 0.32, 0.79),
  row('m3', 1, 'A', 'C', 0.5, 0.6),
];

describe('generalisationGaps', () => {
  it('subtracts each model’s own-domain loss and F1', () => {
    const gaps = generalisationGaps(table);
    expect(gaps.map((g) => g.gLoss)).toEqual(
      [0, 0.2, 0.5, 0.2, 0, 0.05, 0, 0.2, 0.38].map(
        (v) => expect.closeTo(v, 12) as unknown as number,
      ),
    );
    expect(gaps[2].gF1).toBeCloseTo(-0.4, 12);
    expect(gaps[3]).toMatchObject({ idLoss: 0.2, idF1: 0.85 });
    expect(gaps[3].gF1).toBeCloseTo(-0.15, 12);
  });

  it('refuses a model without an evaluation on its own domain, and duplicates', () => {
    expect(() => generalisationGaps([row('m', 0, 'A', 'B', 1, 0.5)])).toThrow(
      new InputError(
        "model 'm' has no evaluation on its own training domain 'A', so its generalisation gap is undefined",
      ),
    );
    expect(() =>
      generalisationGaps([row('m', 0, 'A', 'A', 1, 0.5), row('m', 0, 'A', 'A', 2, 0.5)]),
    ).toThrow("model 'm' is evaluated twice on domain 'A'");
    expect(() => generalisationGaps([row('m', 0, 'A', 'A', Number.NaN, 0.5)])).toThrow(RangeError);
  });
});

describe('domainMatrices and summariseOverSeeds', () => {
  it('builds train × test matrices per seed and their mean ± standard error and median', () => {
    const matrices = domainMatrices(generalisationGaps(table), 'gLoss');
    expect(matrices.seeds).toEqual([0, 1]);
    expect(matrices.trainDomains).toEqual(['A', 'B']);
    expect(matrices.testDomains).toEqual(['A', 'B', 'C']);
    expect(matrices.values[1][1]).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    const summary = summariseOverSeeds(matrices);
    // Cell (A, C): seeds give 0.5 and 0.38 → mean 0.44, sd 0.0848528, SE = sd/√2 = 0.06.
    expect(summary.mean[0][2]).toBeCloseTo(0.44, 12);
    expect(summary.standardError[0][2]).toBeCloseTo(0.06, 12);
    expect(summary.median[0][2]).toBeCloseTo(0.44, 12);
    expect(summary.n[0][2]).toBe(2);
    // Cell (B, A): one seed only → SE undefined.
    expect(summary.mean[1][0]).toBeCloseTo(0.2, 12);
    expect(summary.standardError[1][0]).toBeNaN();
  });

  it('refuses two models sharing a seed and training domain', () => {
    const extra = [...table, row('m4', 0, 'A', 'A', 0.2, 0.8)];
    expect(() => domainMatrices(generalisationGaps(extra), 'loss')).toThrow(
      /models 'm1' and 'm4' share seed 0 and training domain 'A'/,
    );
  });
});

describe('summarise', () => {
  it('gives mean 2.5, SE √(5/3)/2 and median 2.5 for 1, 2, 3, 4 and ignores NaN', () => {
    const s = summarise([4, 1, Number.NaN, 3, 2]);
    expect(s.mean).toBe(2.5);
    expect(s.standardError).toBeCloseTo(Math.sqrt(5 / 3) / 2, 14);
    expect(s.median).toBe(2.5);
    expect(s.n).toBe(4);
    expect(summarise([7, 1, 3]).median).toBe(3);
    expect(summarise([]).n).toBe(0);
  });
});

describe('worstDomainScores', () => {
  it('finds the highest loss and the lowest F1 of each model', () => {
    const worst = worstDomainScores(table);
    expect(worst[0]).toEqual({
      model: 'm1',
      seed: 0,
      trainDomain: 'A',
      worstLoss: 0.6,
      worstLossDomain: 'C',
      worstF1: 0.5,
      worstF1Domain: 'C',
    });
    expect(worst[1]).toMatchObject({
      worstLoss: 0.4,
      worstLossDomain: 'A',
      worstF1: 0.7,
      worstF1Domain: 'A',
    });
  });
});

describe('linearFit', () => {
  it('fits y = 1.9x with R² = 1 − 0.7/18.75 to (1,2), (2,4), (3,5), (4,8)', () => {
    const fit = linearFit([1, 2, 3, 4], [2, 4, 5, 8]);
    expect(fit.slope).toBeCloseTo(1.9, 12);
    expect(fit.intercept).toBeCloseTo(0, 12);
    expect(fit.r2).toBeCloseTo(1 - 0.7 / 18.75, 12);
  });

  it('rejects a constant x and mismatched lengths', () => {
    expect(() => linearFit([1, 1], [1, 2])).toThrow(
      new RangeError('linearFit: x must not be constant, got all 1'),
    );
    expect(() => linearFit([1, 2], [1])).toThrow(TypeError);
  });
});

describe('idVsOod', () => {
  it('pairs each model’s own-domain score with each foreign-domain score', () => {
    const { points, fit } = idVsOod(generalisationGaps(table), 'loss');
    expect(points).toHaveLength(6);
    expect(points[0]).toEqual({
      model: 'm1',
      seed: 0,
      trainDomain: 'A',
      testDomain: 'B',
      id: 0.1,
      ood: 0.3,
    });
    // x = 0.1, 0.1, 0.2, 0.2, 0.12, 0.12; y = 0.3, 0.6, 0.4, 0.25, 0.32, 0.5:
    // mean x = 0.14, mean y = 0.395, Sxy = −0.0134, Sxx = 0.0112 → slope −1.19643.
    expect(fit!.slope).toBeCloseTo(-0.0134 / 0.0112, 10);
  });
});

describe('spearman', () => {
  it('uses average ranks for ties: ρ = 4.5/√(4.5·5) for x = 1,2,2,3 and y = 1,3,2,4', () => {
    expect(averageRanks([1, 2, 2, 3])).toEqual([1, 2.5, 2.5, 4]);
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(4.5 / Math.sqrt(22.5), 14);
  });

  it('is 1 for any monotone relation and −1 for a reversed one', () => {
    expect(spearman([1, 2, 3, 10], [0, 5, 6, 100])).toBeCloseTo(1, 14);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 14);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('isotonicFit', () => {
  it('pools adjacent violators: 1,3,2,4,3.5,5 → 1,2.5,2.5,3.75,3.75,5', () => {
    const curve = isotonicFit([1, 2, 3, 4, 5, 6], [1, 3, 2, 4, 3.5, 5]);
    expect(curve.x).toEqual([1, 2, 3, 4, 5, 6]);
    expect(curve.y).toEqual([1, 2.5, 2.5, 3.75, 3.75, 5]);
    expect(predictIsotonic(curve, 5.5)).toBeCloseTo(4.375, 14);
    expect(predictIsotonic(curve, 0)).toBe(1);
    expect(predictIsotonic(curve, 10)).toBe(5);
  });

  it('pools equal x first, honours weights, and fits decreasing curves', () => {
    // x = 1 twice (y 0 and 4 → 2), then x = 2 with y 1 and weight 3: pool (2·2 + 1·3)/5 = 1.4.
    const curve = isotonicFit([2, 1, 1], [1, 0, 4], { weights: [3, 1, 1] });
    expect(curve.x).toEqual([1, 2]);
    expect(curve.y[0]).toBeCloseTo(1.4, 14);
    expect(curve.y[1]).toBeCloseTo(1.4, 14);
    const down = isotonicFit([1, 2, 3], [3, 1, 2], { increasing: false });
    expect(down.y).toEqual([3, 1.5, 1.5]);
  });

  it('rejects empty input and bad weights', () => {
    expect(() => isotonicFit([], [])).toThrow(
      new RangeError('isotonicFit: needs at least 1 points, got 0'),
    );
    expect(() => isotonicFit([1], [1], { weights: [0] })).toThrow(RangeError);
  });
});

describe('leaveOneDomainOut', () => {
  it('fits without the held-out domain and predicts its pairs (hand-computed errors)', () => {
    const p = (trainDomain: string, testDomain: string, shift: number, value: number) => ({
      trainDomain,
      testDomain,
      shift,
      value,
    });
    const result = leaveOneDomainOut([
      p('A', 'B', 1, 2),
      p('B', 'A', 1, 4),
      p('A', 'C', 2, 5),
      p('C', 'A', 2, 3),
      p('B', 'C', 1, 1),
      p('C', 'B', 1, 3),
    ]);
    // Held-out A: curve from B↔C is 2 at shift 1 → errors −2, −1. B: curve 4 → 2, 1. C: curve 3 → 2, 2.
    expect(result.perDomain.map((d) => d.domain)).toEqual(['A', 'B', 'C']);
    expect(result.perDomain[0].rmse).toBeCloseTo(Math.sqrt(2.5), 14);
    expect(result.perDomain[2].mae).toBeCloseTo(2, 14);
    expect(result.rmse).toBeCloseTo(Math.sqrt(3), 14);
    expect(result.mae).toBeCloseTo(10 / 6, 14);
    expect(result.n).toBe(6);
  });
});

describe('shiftPoints', () => {
  it('pairs each foreign evaluation’s shift with its gap, and Spearman of the two follows', () => {
    const defocusNm: Record<string, number> = { A: 0, B: 5, C: 10 };
    const points = shiftPoints(generalisationGaps(table), (x, y) =>
      Math.abs(defocusNm[x] - defocusNm[y]),
    );
    expect(points.map((p) => p.shift)).toEqual([5, 10, 5, 5, 5, 10]);
    expect(points[1].value).toBeCloseTo(0.5, 12);
    // Hand check with exact ties: shift ranks 2.5 ×4 and 5.5 ×2; gap ranks 3, 6, 3, 1, 3, 5;
    // Sxy = 12, Sxx = 12, Syy = 15.5 → ρ = 12/√186 (scipy.stats.spearmanr: 0.8798826901281199).
    const rho = spearman([5, 10, 5, 5, 5, 10], [0.2, 0.5, 0.2, 0.05, 0.2, 0.38]);
    expect(rho).toBeCloseTo(12 / Math.sqrt(186), 14);
    expect(() => shiftPoints(generalisationGaps(table), () => Number.NaN)).toThrow(RangeError);
  });
});
