/**
 * The sweep report: one self-contained HTML file (inline SVG charts and PNG images, no network
 * needed) built from the numbers of a finished sweep.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLiteSvg } from './svg-chart.js';

/** One (train domain, test domain) cell of the result matrix, aggregated over seeds. */
export interface MatrixCell {
  train: string;
  test: string;
  lossMean: number;
  lossSe: number;
  lossMedian: number;
  f1Mean: number;
  f1Se: number;
  /** G_OOD for loss: L_test − L_train(in-distribution), mean over seeds. */
  gLossMean: number;
  gF1Mean: number;
  seeds: number;
}

/** The values of a matrix cell in table and CSV column order. */
export function matrixCellValues(c: MatrixCell): (string | number)[] {
  return [
    c.train,
    c.test,
    c.lossMean,
    c.lossSe,
    c.lossMedian,
    c.f1Mean,
    c.f1Se,
    c.gLossMean,
    c.gF1Mean,
    c.seeds,
  ];
}

/** One pair's shift measures next to its measured gaps. */
export interface ShiftPoint {
  train: string;
  test: string;
  gLoss: number;
  gF1: number;
  /** Shift measures by name (e.g. 'signed CTF shift', '|Δdefocus| [nm]'). */
  shifts: Record<string, number>;
}

/** Rank correlation and prediction quality of one shift measure. */
export interface ShiftMeasureSummary {
  measure: string;
  spearmanLoss: number;
  spearmanF1: number;
  /** Leave-one-domain-out mean absolute error of predicting G_OOD(loss) from the fitted curve. */
  looMaeLoss: number;
  /**
   * Non-decreasing isotonic curve fitted on the report's shift points: knots x ascending, fitted
   * G_OOD(loss); linear between knots, as `predictIsotonic` evaluates it.
   */
  curve: { x: number; y: number }[];
  /** Non-increasing isotonic curve of G_OOD(F1) on the same points. */
  curveF1: { x: number; y: number }[];
  /** True for the plain parameter-distance baseline. */
  baseline: boolean;
}

/** Everything the report shows. */
export interface ReportData {
  title: string;
  sweepFile: string;
  createdAt: string;
  runTimeSeconds: number;
  codeVersion: string;
  notes: string[];
  domains: {
    name: string;
    description: string;
    epsilon: number;
    /** Radial CTF (A·E·sin χ) of the domain's conditions: mean and 10/90 % quantiles over conditions. */
    ctf: { k: number; mean: number; low: number; high: number }[];
    examples: { image: string; mask: string; prediction?: string; caption: string }[];
  }[];
  matrix: MatrixCell[];
  models: {
    id: string;
    trainDomain: string;
    seed: number;
    idLoss: number;
    idF1: number;
    worstDomain: string;
    worstLoss: number;
  }[];
  shiftPoints: ShiftPoint[];
  shiftMeasures: ShiftMeasureSummary[];
  /**
   * In-distribution vs out-of-distribution loss: one point per model and foreign test domain,
   * exactly the points the least-squares line and R² were computed from.
   */
  idVsOod: {
    points: { model: string; testDomain: string; id: number; ood: number }[];
    slope: number;
    intercept: number;
    r2: number;
  };
  epsilonVsIdLoss: { domain: string; epsilon: number; idLoss: number }[];
  learningCurves: {
    model: string;
    trainDomain: string;
    epoch: number;
    domain: string;
    loss: number;
  }[];
  /** Pairs of domains that differ in structures rather than imaging (the framework's known limit). */
  structurePairs: ShiftPoint[];
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (x: number, digits = 3) =>
  Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : '—';

async function heatmap(
  cells: MatrixCell[],
  field: 'gLossMean' | 'gF1Mean' | 'lossMean',
  title: string,
): Promise<string> {
  const values = cells.map((c) => ({
    train: c.train,
    test: c.test,
    value: c[field],
    label: num(c[field], 2),
  }));
  const domainOrder = [...new Set(cells.map((c) => c.train).concat(cells.map((c) => c.test)))];
  const spec: TopLevelSpec = {
    title,
    data: { values },
    width: { step: 44 },
    height: { step: 30 },
    encoding: {
      x: { field: 'test', type: 'ordinal', sort: domainOrder, title: 'test domain' },
      y: { field: 'train', type: 'ordinal', sort: domainOrder, title: 'train domain' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'value',
            type: 'quantitative',
            title: null,
            scale: { scheme: field === 'gF1Mean' ? 'blues' : 'reds', reverse: field === 'gF1Mean' },
          },
        },
      },
      { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'label' } } },
    ],
  };
  return renderVegaLiteSvg(spec);
}

/** G_OOD of one metric against one shift measure: the pairs and the fitted isotonic curve. */
async function shiftChart(
  points: ShiftPoint[],
  measure: ShiftMeasureSummary,
  metric: 'loss' | 'f1',
): Promise<string> {
  const label = metric === 'loss' ? 'G_OOD (loss)' : 'G_OOD (F1)';
  const values = points.map((p) => ({
    x: p.shifts[measure.measure],
    y: metric === 'loss' ? p.gLoss : p.gF1,
    pair: `${p.train}→${p.test}`,
  }));
  const rho = metric === 'loss' ? measure.spearmanLoss : measure.spearmanF1;
  return renderVegaLiteSvg({
    title: `${label} vs ${measure.measure}: Spearman ρ = ${num(rho)}`,
    width: 320,
    height: 220,
    layer: [
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 30 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: measure.measure },
          y: { field: 'y', type: 'quantitative', title: label },
          tooltip: { field: 'pair' },
        },
      },
      {
        // Linear between knots: the curve exactly as predict-shift evaluates it.
        data: { values: metric === 'loss' ? measure.curve : measure.curveF1 },
        mark: { type: 'line', interpolate: 'linear', color: '#d62728' },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
        },
      },
    ],
  });
}

async function ctfChart(domain: ReportData['domains'][number]): Promise<string> {
  return renderVegaLiteSvg({
    title: `${domain.name}: CTF over conditions (ε = ${num(domain.epsilon)})`,
    width: 300,
    height: 160,
    data: { values: domain.ctf },
    layer: [
      {
        mark: { type: 'area', opacity: 0.3 },
        encoding: {
          x: { field: 'k', type: 'quantitative', title: 'k [1/Å]' },
          y: { field: 'low', type: 'quantitative', title: 'A·E·sin χ', scale: { domain: [-1, 1] } },
          y2: { field: 'high' },
        },
      },
      {
        mark: 'line',
        encoding: {
          x: { field: 'k', type: 'quantitative' },
          y: { field: 'mean', type: 'quantitative' },
        },
      },
    ],
  });
}

async function scatter(
  values: Record<string, number | string>[],
  x: string,
  y: string,
  title: string,
  fit?: { slope: number; intercept: number },
): Promise<string> {
  const xs = values.map((v) => v[x] as number);
  const base = {
    data: { values },
    mark: { type: 'point', filled: true },
    encoding: { x: { field: x, type: 'quantitative' }, y: { field: y, type: 'quantitative' } },
  };
  const line = fit
    ? {
        data: {
          values: [Math.min(...xs), Math.max(...xs)].map((v) => ({
            [x]: v,
            [y]: fit.intercept + fit.slope * v,
          })),
        },
        mark: { type: 'line', color: '#d62728' },
        encoding: { x: { field: x, type: 'quantitative' }, y: { field: y, type: 'quantitative' } },
      }
    : null;
  return renderVegaLiteSvg({
    title,
    width: 300,
    height: 220,
    layer: line ? [base, line] : [base],
  } as TopLevelSpec);
}

async function learningChart(data: ReportData['learningCurves'], model: string): Promise<string> {
  return renderVegaLiteSvg({
    title: `learning curves: ${model}`,
    width: 260,
    height: 160,
    data: { values: data.filter((d) => d.model === model) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' },
      y: { field: 'loss', type: 'quantitative', title: 'validation loss' },
      color: { field: 'domain', type: 'nominal' },
    },
  });
}

function table(headers: string[], rows: (string | number | null)[][]): string {
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c) => `<td>${c === null ? '—' : typeof c === 'number' ? num(c, 4) : esc(c)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Renders the whole report to one HTML string. */
export async function renderReport(data: ReportData): Promise<string> {
  const parts: string[] = [];
  parts.push(`<h1>${esc(data.title)}</h1>`);
  parts.push(
    `<p class="meta">sweep file <code>${esc(data.sweepFile)}</code> · ${esc(data.createdAt)} · run time ${num(data.runTimeSeconds, 4)} s · hrtem-ood ${esc(data.codeVersion)}</p>`,
  );
  if (data.notes.length > 0)
    parts.push(`<ul class="notes">${data.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);

  parts.push('<h2>Out-of-distribution gaps</h2>');
  parts.push(
    '<p>G<sub>OOD</sub>(X→X′) = L<sub>X′</sub>(f) − L<sub>X</sub>(f): loss on the test domain minus the in-distribution loss of the same model, mean over seeds. Rows: training domain; columns: test domain.</p>',
  );
  parts.push(
    `<div class="row">${await heatmap(data.matrix, 'gLossMean', 'G_OOD (loss)')}${await heatmap(data.matrix, 'gF1Mean', 'G_OOD (F1)')}${await heatmap(data.matrix, 'lossMean', 'test loss')}</div>`,
  );
  parts.push(
    table(
      [
        'train',
        'test',
        'loss mean',
        '± s.e.',
        'median',
        'F1 mean',
        '± s.e.',
        'G_OOD loss',
        'G_OOD F1',
        'seeds',
      ],
      data.matrix.map(matrixCellValues),
    ),
  );

  parts.push('<h2>Can the shift be predicted from optics?</h2>');
  parts.push(
    '<p>Spearman rank correlation of each shift measure with G<sub>OOD</sub> over all (train, test) pairs, and the leave-one-domain-out error of predicting a held-out domain’s G<sub>OOD</sub> from a monotone curve fitted on the others. The plain parameter distance is the baseline a CTF measure has to beat. Definitions: docs/ctf-framework.md.</p>',
  );
  parts.push(
    table(
      ['shift measure', 'Spearman ρ (loss)', 'Spearman ρ (F1)', 'LOO MAE (loss)', 'baseline'],
      data.shiftMeasures.map((m) => [
        m.measure,
        m.spearmanLoss,
        m.spearmanF1,
        m.looMaeLoss,
        m.baseline ? 'yes' : '',
      ]),
    ),
  );
  parts.push(
    '<p>Each pair’s G<sub>OOD</sub> against each shift measure, with the monotone (isotonic) curve fitted to these points (red): non-decreasing for loss, non-increasing for F1.</p>',
  );
  for (const metric of ['loss', 'f1'] as const) {
    const charts = await Promise.all(
      data.shiftMeasures.map((m) => shiftChart(data.shiftPoints, m, metric)),
    );
    parts.push(`<div class="row">${charts.join('')}</div>`);
  }

  parts.push('<h2>In-distribution vs out-of-distribution</h2>');
  parts.push(
    `<div class="row">${await scatter(
      data.idVsOod.points.map((p) => ({
        model: p.model,
        test: p.testDomain,
        'ID loss': p.id,
        'OOD loss': p.ood,
      })),
      'ID loss',
      'OOD loss',
      `ID vs OOD loss (model × foreign domain): slope ${num(data.idVsOod.slope)}, R² = ${num(data.idVsOod.r2)}`,
      data.idVsOod,
    )}${await scatter(
      data.epsilonVsIdLoss.map((p) => ({
        domain: p.domain,
        'ε (information content)': p.epsilon,
        'ID loss': p.idLoss,
      })),
      'ε (information content)',
      'ID loss',
      'information content vs in-distribution loss',
    )}</div>`,
  );
  parts.push(
    table(
      ['model', 'train domain', 'seed', 'ID loss', 'ID F1', 'worst domain', 'worst loss'],
      data.models.map((m) => [
        m.id,
        m.trainDomain,
        m.seed,
        m.idLoss,
        m.idF1,
        m.worstDomain,
        m.worstLoss,
      ]),
    ),
  );

  if (data.structurePairs.length > 0) {
    parts.push('<h2>Structure shifts (the framework’s known limit)</h2>');
    parts.push(
      '<p>These domains differ in their structures, not their imaging: the CTF shift is ≈ 0 by construction.</p>',
    );
    parts.push(
      table(
        ['train', 'test', 'G_OOD loss', 'G_OOD F1', ...Object.keys(data.structurePairs[0].shifts)],
        data.structurePairs.map((p) => [
          p.train,
          p.test,
          p.gLoss,
          p.gF1,
          ...Object.values(p.shifts),
        ]),
      ),
    );
  }

  parts.push('<h2>Domains</h2>');
  for (const d of data.domains) {
    parts.push(`<h3>${esc(d.name)}</h3><p>${esc(d.description)}</p>`);
    const examples = d.examples
      .map(
        (e) =>
          `<figure><img src="${e.image}" alt="image"><img src="${e.mask}" alt="mask">${e.prediction ? `<img src="${e.prediction}" alt="prediction">` : ''}<figcaption>${esc(e.caption)}</figcaption></figure>`,
      )
      .join('');
    parts.push(`<div class="row">${await ctfChart(d)}${examples}</div>`);
  }

  parts.push('<h2>Learning curves</h2>');
  const models = [...new Set(data.learningCurves.map((c) => c.model))];
  const curves = await Promise.all(models.map((m) => learningChart(data.learningCurves, m)));
  parts.push(`<div class="row">${curves.join('')}</div>`);

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(data.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse;font-size:12px;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#f4f4f4}.row{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
figure{margin:0;text-align:center;font-size:11px}figure img{width:128px;height:128px;image-rendering:pixelated;margin:1px}
.meta{color:#666}
</style></head><body>
${parts.join('\n')}
</body></html>
`;
}
