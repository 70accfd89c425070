import { describe, expect, it } from 'vitest';
import { computeMetrics } from './metrics.js';

describe('computeMetrics', () => {
  it('matches hand-computed counts on a 3×3 mask', () => {
    // truth:      prediction (p > 0.5):
    // 1 1 0       1 0 0
    // 1 0 0       1 1 0
    // 0 0 0       0 0 0        → TP 2, FN 1, FP 1, TN 5
    const mask = new Uint8Array([1, 1, 0, 1, 0, 0, 0, 0, 0]);
    const prob = new Float32Array([0.9, 0.2, 0.1, 0.8, 0.6, 0.1, 0.1, 0.1, 0.1]);
    const m = computeMetrics(prob, mask, 9).pooled;
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12); // 2·2 / (2·2 + 1 + 1)
    expect(m.iou).toBeCloseTo(0.5, 12); // 2 / (2 + 1 + 1)
    expect(m.accuracy).toBeCloseTo(7 / 9, 12);
    const ce =
      -(
        Math.log(0.9) +
        Math.log(0.2) +
        Math.log(0.9) +
        Math.log(0.8) +
        Math.log(0.4) +
        4 * Math.log(0.9)
      ) / 9;
    expect(m.loss).toBeCloseTo(ce, 6);
  });

  it('defines metrics of empty masks: empty vs empty is 1, a false alarm is 0', () => {
    const mask = new Uint8Array(8);
    const empty = computeMetrics(new Float32Array(8).fill(0.1), mask, 4);
    for (const m of [empty.pooled, ...empty.perImage]) {
      expect(m).toMatchObject({ precision: 1, recall: 1, f1: 1, iou: 1, accuracy: 1 });
    }
    const prob = new Float32Array([0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    const report = computeMetrics(prob, mask, 4);
    expect(report.perImage[0]).toMatchObject({ precision: 0, recall: 0, f1: 0, iou: 0 });
    expect(report.perImage[0].accuracy).toBe(0.75);
    expect(report.perImage[1]).toMatchObject({ precision: 1, recall: 1, f1: 1, iou: 1 });
    expect(report.meanPerImage.f1).toBe(0.5);
    expect(report.pooled.f1).toBe(0);
    expect(Number.isNaN(report.pooled.precision)).toBe(false);
  });

  it('scores a missed particle as recall 0 and precision 0', () => {
    const m = computeMetrics(new Float32Array([0.1, 0.1]), new Uint8Array([1, 0]), 2).pooled;
    expect(m).toMatchObject({ precision: 0, recall: 0, f1: 0, iou: 0, accuracy: 0.5 });
  });

  it('rejects probability and masks of different lengths', () => {
    expect(() => computeMetrics(new Float32Array(4), new Uint8Array(3), 1)).toThrow(TypeError);
  });
});
