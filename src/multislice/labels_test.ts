import { describe, expect, it } from 'vitest';
import type { Atoms } from '../core/atoms.js';
import { Rng } from '../core/rng.js';
import { atomsInSphere, material } from '../structures/index.js';
import { checkLabelOptions, makeLabels, projectedRadius } from './labels.js';

/** An fcc Au sphere of radius R [Å] (lattice 4.078 Å) centred at c, labelled `id`. */
function auSphere(radius: number, centre: [number, number, number], id: number) {
  const a = 4.078;
  const basis = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0.5],
  ];
  const pos: number[] = [];
  const m = Math.ceil(radius / a) + 1;
  for (let i = -m; i <= m; i++) {
    for (let j = -m; j <= m; j++) {
      for (let k = -m; k <= m; k++) {
        for (const b of basis) {
          const p = [(i + b[0]) * a, (j + b[1]) * a, (k + b[2]) * a];
          if (Math.hypot(p[0], p[1], p[2]) <= radius)
            pos.push(p[0] + centre[0], p[1] + centre[1], p[2] + centre[2]);
        }
      }
    }
  }
  const n = pos.length / 3;
  return { positions: pos, numbers: new Array(n).fill(79), labels: new Array(n).fill(id) };
}

function scene(
  cell: [number, number, number],
  parts: { positions: number[]; numbers: number[]; labels: number[] }[],
): Atoms {
  return {
    cell,
    positions: Float64Array.from(parts.flatMap((p) => p.positions)),
    numbers: Uint8Array.from(parts.flatMap((p) => p.numbers)),
    labels: Int32Array.from(parts.flatMap((p) => p.labels)),
  };
}

function carbonFilm(cell: [number, number, number], count: number, zMax: number, seed: number) {
  const rng = new Rng(seed);
  const positions: number[] = [];
  for (let j = 0; j < count; j++)
    positions.push(rng.uniform(0, cell[0]), rng.uniform(0, cell[1]), rng.uniform(0, zMax));
  return { positions, numbers: new Array(count).fill(6), labels: new Array(count).fill(0) };
}

const cell: [number, number, number] = [32, 32, 30];
const bigCell: [number, number, number] = [48, 48, 44];
const settings = { energy: 300e3, sampling: 0.1 };
const R = 20;

describe('makeLabels', () => {
  it('the mask of a 4 nm sphere (radius R = 20 Å) is a disc of radius R ± 2 pixels centred on it', async () => {
    // 20 Å is not the 15 Å sphere the second threshold was calibrated on. Smaller spheres give
    // smaller masks (a 10 Å sphere: 8.6 Å) because their thin rims stay below the phase threshold.
    const atoms = scene(bigCell, [auSphere(R, [24, 24, 22], 1)]);
    const labels = await makeLabels(atoms, settings);
    expect(labels.shape).toEqual([1, 480, 480]);
    expect(labels.particleIds).toEqual([1]);
    let area = 0;
    let cx = 0;
    let cy = 0;
    for (let iy = 0; iy < 480; iy++) {
      for (let ix = 0; ix < 480; ix++) {
        if (labels.masks[iy * 480 + ix]) {
          area++;
          cx += ix;
          cy += iy;
        }
      }
    }
    const radiusPx = Math.sqrt(area / Math.PI);
    expect(Math.abs(radiusPx - R / 0.1)).toBeLessThanOrEqual(2);
    expect(Math.abs(cx / area - 240)).toBeLessThan(1);
    expect(Math.abs(cy / area - 240)).toBeLessThan(1);
    // a disc: every pixel within R − 2 px is set, none beyond R + 2 px
    let inside = 0;
    let outside = 0;
    for (let iy = 0; iy < 480; iy++) {
      for (let ix = 0; ix < 480; ix++) {
        const r = Math.hypot(ix - 240, iy - 240);
        if (r < R / 0.1 - 5 && !labels.masks[iy * 480 + ix]) inside++;
        if (r > R / 0.1 + 5 && labels.masks[iy * 480 + ix]) outside++;
      }
    }
    // a disc: its equivalent radius is R ± 2 px (above); the faceted fcc surface lets the edge
    // wander by an atomic step, so every pixel within R − 5 px is set and none beyond R + 5 px
    expect(inside).toBe(0);
    expect(outside).toBe(0);
  });

  it('substrate atoms never change the mask; one mask per particle id plus their union', async () => {
    const p1 = auSphere(5, [9, 9, 20], 1);
    const p2 = auSphere(6, [22, 21, 20], 2);
    const bare = scene(cell, [p1, p2]);
    const onFilm = scene(cell, [carbonFilm(cell, 600, 12, 3), p1, p2]);
    const a = await makeLabels(bare, settings, { smoothing: 1.0 });
    const b = await makeLabels(onFilm, settings, { smoothing: 1.0 });
    expect(b.shape).toEqual([2, 320, 320]);
    expect(b.particleIds).toEqual([1, 2]);
    expect(Buffer.compare(Buffer.from(a.masks), Buffer.from(b.masks))).toBe(0);
    let overlap = 0;
    let union = 0;
    const n = 320 * 320;
    for (let i = 0; i < n; i++) {
      overlap += a.masks[i] & a.masks[n + i];
      expect(a.union[i]).toBe(a.masks[i] | a.masks[n + i]);
      union += a.union[i];
    }
    expect(overlap).toBe(0);
    expect(union).toBeGreaterThan(0);
  });

  it('warns when a zone-axis CdSe sphere leaves too few pixels above the phase threshold', async () => {
    const r = 10;
    const body = atomsInSphere(material('CdSe'), [0.3, 0.2, 0.1], r);
    const n = body.numbers.length;
    const c = 2 * r + 12;
    const positions = body.positions.map((v, i) => v + (i % 3 === 2 ? c / 2 : c / 2 - 3));
    const atoms = scene(
      [c, c, c],
      [{ positions, numbers: body.numbers, labels: new Array(n).fill(1) }],
    );
    expect(projectedRadius(atoms)).toBeCloseTo(r, 0);
    const warnings: string[] = [];
    const set = await makeLabels(atoms, settings, {}, { onWarning: (w) => warnings.push(w.code) });
    let area = 0;
    for (const v of set.union) area += v;
    expect(Math.sqrt((area * 0.01) / Math.PI)).toBeLessThan(0.75 * r);
    expect(warnings).toEqual(['labels-small-mask']);
  });

  it('does not warn for a 20 Å Au sphere whose mask matches its radius', async () => {
    const warnings: string[] = [];
    await makeLabels(
      scene(bigCell, [auSphere(R, [24, 24, 22], 1)]),
      settings,
      {},
      {
        onWarning: (w) => warnings.push(w.message),
      },
    );
    expect(warnings).toEqual([]);
  });

  it('rejects a first threshold ≤ 0 or above π rad, naming the rule and unit', () => {
    expect(() => checkLabelOptions({ threshold: -1 })).toThrow(
      new RangeError('labels threshold must be in (0, π] rad (|arg ψ| is at most π), got -1 rad'),
    );
    expect(() => checkLabelOptions({ threshold: 4 })).toThrow(RangeError);
    expect(checkLabelOptions({})).toEqual({
      mode: 'phase',
      threshold: Math.PI / 16,
      smoothing: 1.6,
      second: 0.1,
    });
  });

  it('rejects a second threshold outside (0, 1)', async () => {
    await expect(makeLabels(scene(cell, []), settings, { secondThreshold: 1 })).rejects.toThrow(
      'labels secondThreshold must be in (0, 1), got 1',
    );
  });
});
