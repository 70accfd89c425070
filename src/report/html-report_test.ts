import { describe, expect, it } from 'vitest';
import { type ReportData, renderReport } from './html-report.js';
import { grayscalePng, maskPng } from './png.js';

async function sample(): Promise<ReportData> {
  const domains = ['df-10', 'df0', 'df+10'];
  const image = await grayscalePng(
    Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)),
    [8, 8],
  );
  const mask = await maskPng(
    Uint8Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? 1 : 0)),
    [8, 8],
  );
  return {
    title: 'test report',
    sweepFile: 'quick.yaml',
    createdAt: '2026-12-03',
    runTimeSeconds: 12.5,
    codeVersion: '0.1.0',
    notes: ['a <note> & more'],
    domains: domains.map((name, i) => ({
      name,
      description: `defocus ${i}`,
      epsilon: 0.1 * i,
      ctf: [0, 0.5, 1].map((k) => ({ k, mean: Math.sin(k + i), low: -0.1, high: 0.2 })),
      examples: [{ image, mask, caption: 'ex' }],
    })),
    matrix: domains.flatMap((train) =>
      domains.map((test) => ({
        train,
        test,
        lossMean: 0.2,
        lossSe: 0.01,
        lossMedian: 0.2,
        f1Mean: 0.9,
        f1Se: 0.01,
        gLossMean: train === test ? 0 : 0.1,
        gF1Mean: train === test ? 0 : -0.05,
        seeds: 1,
      })),
    ),
    models: [
      {
        id: 'm1',
        trainDomain: 'df0',
        seed: 1,
        idLoss: 0.2,
        idF1: 0.9,
        worstDomain: 'df+10',
        worstLoss: 0.4,
      },
    ],
    shiftPoints: [
      { train: 'df0', test: 'df+10', gLoss: 0.1, gF1: -0.05, shifts: { '|Δdefocus| [nm]': 1 } },
    ],
    shiftMeasures: [
      {
        measure: '|Δdefocus| [nm]',
        spearmanLoss: 0.8,
        spearmanF1: -0.7,
        looMaeLoss: 0.02,
        curve: [
          { x: 0, y: 0 },
          { x: 1, y: 0.1 },
        ],
        curveF1: [
          { x: 0, y: 0 },
          { x: 1, y: -0.05 },
        ],
        baseline: true,
      },
    ],
    idVsOod: {
      points: [
        { model: 'm1', testDomain: 'df+10', id: 0.2, ood: 0.3 },
        { model: 'm2', testDomain: 'df-10', id: 0.25, ood: 0.4 },
      ],
      slope: 2,
      intercept: -0.1,
      r2: 1,
    },
    epsilonVsIdLoss: [{ domain: 'df0', epsilon: 0.1, idLoss: 0.2 }],
    learningCurves: [{ model: 'm1', trainDomain: 'df0', epoch: 1, domain: 'df0', loss: 0.3 }],
    structurePairs: [],
  };
}

describe('renderReport', () => {
  it('renders a self-contained page: charts inline, images as data URIs, text escaped', async () => {
    const html = await renderReport(await sample());
    expect(html).toMatch(/^<!doctype html>/);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(8);
    expect(html).toContain('data:image/png;base64,');
    expect(html).toContain('a &lt;note&gt; &amp; more');
    const urls = [...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0]);
    expect(urls.filter((u) => !u.startsWith('http://www.w3.org/'))).toEqual([]);
  });

  it('plots loss and F1 against each shift measure, each with its fitted curve', async () => {
    const html = await renderReport(await sample());
    expect(html).toContain('G_OOD (loss) vs |Δdefocus| [nm]: Spearman ρ = 0.8');
    expect(html).toContain('G_OOD (F1) vs |Δdefocus| [nm]: Spearman ρ = -0.7');
  });

  it('titles the ID-vs-OOD scatter with the fit of its own points', async () => {
    const html = await renderReport(await sample());
    expect(html).toContain('ID vs OOD loss (model × foreign domain): slope 2, R² = 1');
  });
});
