import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { Fft2 } from '../core/fft.js';
import { makeGrid } from '../core/grid.js';
import { besselK0, besselK1 } from './bessel.js';
import { getParametrization, SCATTERING_FACTOR_TO_POTENTIAL } from './parametrization.js';
import { SlicePotentialBuilder } from './projected-potential.js';

const ELEMENTS = { C: 6, Si: 14, Cu: 29, Au: 79 } as const;

/** ∫ v_z(r) 2πr dr by the trapezoid rule in u = ln r from 1e-9 Å to 200 Å. */
function radialIntegral(v: (r: number) => number): number {
  const u0 = Math.log(1e-9);
  const u1 = Math.log(200);
  const steps = 40000;
  const h = (u1 - u0) / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const r = Math.exp(u0 + i * h);
    const w = i === 0 || i === steps ? 0.5 : 1;
    sum += w * v(r) * 2 * Math.PI * r * r;
  }
  return sum * h;
}

async function singleAtomPotential(
  name: 'kirkland' | 'lobato',
  z: number,
  placement: 'exact' | 'bilinear',
  shape: [number, number],
  extent: [number, number],
  at: [number, number],
): Promise<{ v: Float32Array; area: number }> {
  const grid = makeGrid(shape, extent);
  const fft = await Fft2.create(...shape);
  const builder = new SlicePotentialBuilder(grid, getParametrization(name), [z], fft, placement);
  const v = new Float32Array(shape[0] * shape[1]);
  builder.build(new Float64Array([at[0], at[1], 0]), new Uint8Array([z]), [0], v);
  fft.dispose();
  return { v, area: grid.sampling[0] * grid.sampling[1] };
}

describe('parametrizations', () => {
  it('C_f = h²/(2π m0 e) is 47.878 V·Å² (2π a0 · 14.3996 V·Å)', () => {
    expect(SCATTERING_FACTOR_TO_POTENTIAL).toBeCloseTo(47.8776, 3);
  });

  it('Bessel K0, K1 match tabulated values (A&S table 9.8) to 1e-6', () => {
    expect(besselK0(0.5)).toBeCloseTo(0.9244190712, 6);
    expect(besselK0(3)).toBeCloseTo(0.03473950439, 6);
    expect(besselK1(0.5)).toBeCloseTo(1.65644112, 6);
    expect(besselK1(3)).toBeCloseTo(0.04015643113, 6);
  });

  it.each(['kirkland', 'lobato'] as const)(
    '%s: the real-space projected potential integrates to C_f·f_e(0) to 1e-3',
    (name) => {
      const p = getParametrization(name);
      for (const z of Object.values(ELEMENTS)) {
        const numeric = radialIntegral((r) => p.projectedPotential(z, r));
        expect(Math.abs(numeric / p.projectedIntegral(z) - 1)).toBeLessThan(1e-3);
      }
    },
  );

  it('Kirkland and Lobato projected potentials agree within 5 % for r in 0.1–1.2 Å (C, Si, Cu, Au)', () => {
    const k = getParametrization('kirkland');
    const l = getParametrization('lobato');
    let worst = 0;
    for (const z of Object.values(ELEMENTS)) {
      for (let r = 0.1; r <= 1.2001; r += 0.05) {
        worst = Math.max(
          worst,
          Math.abs(k.projectedPotential(z, r) / l.projectedPotential(z, r) - 1),
        );
      }
    }
    expect(worst).toBeLessThan(0.05);
  });

  it('beyond 1.2 Å (to 3 Å) the two tails differ by up to 30 % relative but < 0.5 % of v_z(0.5 Å)', () => {
    // The fits constrain f_e(k) to 6–12 1/Å; their real-space tails (v_z < 5 V·Å) are not the
    // same shape, e.g. Cu at 1.5 Å: 3.47 vs 3.68 V·Å. This pins that known, small difference.
    const k = getParametrization('kirkland');
    const l = getParametrization('lobato');
    let worstRelative = 0;
    for (const z of Object.values(ELEMENTS)) {
      const scale = l.projectedPotential(z, 0.5);
      for (let r = 1.2; r <= 3.0001; r += 0.05) {
        const a = k.projectedPotential(z, r);
        const b = l.projectedPotential(z, r);
        expect(Math.abs(a - b) / scale).toBeLessThan(0.005);
        worstRelative = Math.max(worstRelative, Math.abs(a / b - 1));
      }
    }
    expect(worstRelative).toBeGreaterThan(0.05);
  });

  it('both tables cover Z = 1–103 and refuse others with the range named', () => {
    for (const name of ['kirkland', 'lobato'] as const) {
      const p = getParametrization(name);
      expect(p.maxZ).toBe(103);
      expect(p.symbol(79)).toBe('Au');
      expect(() => p.scatteringFactor(104, 0)).toThrow(InputError);
      expect(() => p.scatteringFactor(104, 0)).toThrow(
        `the ${name} parametrization has no parameters for atomic number Z = 104 (it covers Z = 1–103)`,
      );
    }
  });
});

describe('SlicePotentialBuilder', () => {
  it.each([
    ['kirkland', 'exact'],
    ['lobato', 'exact'],
    ['kirkland', 'bilinear'],
    ['lobato', 'bilinear'],
  ] as const)(
    '%s/%s: one atom summed over the cell equals the analytic projected integral to 1e-3',
    async (name, placement) => {
      for (const z of [6, 79]) {
        const { v, area } = await singleAtomPotential(
          name,
          z,
          placement,
          [48, 64],
          [9.6, 12.8],
          [3.337, 5.051],
        );
        let sum = 0;
        for (const x of v) sum += x;
        const expected = getParametrization(name).projectedIntegral(z);
        expect(Math.abs((sum * area) / expected - 1)).toBeLessThan(1e-3);
      }
    },
  );

  it('exact placement reproduces the analytic v_z(r) for 0.3–1 Å to 1 % on a 0.025 Å grid (Au)', async () => {
    const p = getParametrization('lobato');
    const [ny, nx] = [960, 800];
    const [ly, lx] = [24, 20];
    // The atom sits on a pixel: off-grid, the band-truncated core rings (Gibbs) in exact placement.
    const at: [number, number] = [10, 12];
    const { v } = await singleAtomPotential('lobato', 79, 'exact', [ny, nx], [ly, lx], at);
    for (const r of [0.3, 0.5, 1]) {
      // the rest of the difference is f_e(k) beyond the grid's Nyquist frequency (20 1/Å)
      // sample along +x from the atom with periodic images summed analytically
      const x = at[0] + r;
      const ix = Math.round(x / (lx / nx));
      const iy = Math.round(at[1] / (ly / ny));
      const px = ix * (lx / nx);
      const py = iy * (ly / ny);
      let expected = 0;
      for (let my = -2; my <= 2; my++) {
        for (let mx = -2; mx <= 2; mx++) {
          expected += p.projectedPotential(
            79,
            Math.hypot(px - at[0] + mx * lx, py - at[1] + my * ly),
          );
        }
      }
      expect(Math.abs(v[iy * nx + ix] / expected - 1)).toBeLessThan(0.01);
    }
  });
});
