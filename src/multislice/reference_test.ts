/**
 * Side-by-side checks against abTEM 1.0.9 (shared/reference/abtem-au-sphere) and Kirkland's
 * figure 5.12 (shared/reference/optics.json). abTEM arrays are (x, y); ours are (y, x).
 */
import { describe, expect, it } from 'vitest';
import { wavelength } from '../core/energy.js';
import { Fft2 } from '../core/fft.js';
import { makeGrid } from '../core/grid.js';
import { readNpy } from '../core/npy.js';
import { parseOpticalCondition, transferFunctionGrid } from '../optics/index.js';
import { getParametrization } from '../potential/parametrization.js';
import { SlicePotentialBuilder } from '../potential/projected-potential.js';
import { readReferenceJson, referencePath } from '../test-utils/reference.js';
import { simulateExitWaves } from './simulate.js';
import { assignSlices } from './slicing.js';
import { readExtendedXyz } from './xyz.js';

interface Summary {
  au_np: Record<
    'kirkland' | 'lobato',
    {
      gpts: [number, number];
      exit_int_mean: number;
      projpot_max_eV_A: number;
      projpot_sum: number;
      ctf_int_mean: number;
    }
  >;
}
interface Fig512 {
  image_min: number;
  image_max: number;
}

const summary = readReferenceJson<Summary>('abtem-au-sphere/summary.json');
const fig = readReferenceJson<{ kirkland_fig_5_12: Fig512 }>('optics.json').kirkland_fig_5_12;
const auAtoms = readExtendedXyz(referencePath('abtem-au-sphere/au_np_r15.xyz'));

/** Relative L2 distance between our (ny, nx) array and abTEM's (nx, ny) one. */
function relativeL2Transposed(
  ours: Float32Array,
  theirs: Float32Array,
  n: number,
  complex: boolean,
): number {
  const c = complex ? 2 : 1;
  let num = 0;
  let den = 0;
  for (let iy = 0; iy < n; iy++) {
    for (let ix = 0; ix < n; ix++) {
      for (let p = 0; p < c; p++) {
        const a = ours[c * (iy * n + ix) + p];
        const b = theirs[c * (ix * n + iy) + p];
        num += (a - b) ** 2;
        den += b * b;
      }
    }
  }
  return Math.sqrt(num / den);
}

/** Image intensity |F⁻¹{F{ψ}·T}|² for a transfer function T on the same grid. */
async function image(
  wave: Float32Array,
  shape: [number, number],
  transfer: Float32Array,
): Promise<Float32Array> {
  const fft = await Fft2.create(...shape);
  const w = wave.slice();
  fft.forward(w);
  for (let i = 0; i < w.length; i += 2) {
    const [a, b] = [w[i], w[i + 1]];
    const [c, d] = [transfer[i], transfer[i + 1]];
    w[i] = a * c - b * d;
    w[i + 1] = a * d + b * c;
  }
  fft.inverse(w);
  fft.dispose();
  const out = new Float32Array(w.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = w[2 * i] ** 2 + w[2 * i + 1] ** 2;
  return out;
}

describe('abTEM 1.0.9 Au sphere (887 atoms, 400², 35 slices, 300 kV)', () => {
  it.each(['kirkland', 'lobato'] as const)(
    '%s: exit wave within 1e-3 relative L2, mean intensity within 1e-4, CTF image within 1e-3',
    async (name) => {
      const ref = summary.au_np[name];
      const result = await simulateExitWaves(auAtoms, {
        energy: 300e3,
        shape: ref.gpts,
        sliceThickness: 1,
        parametrization: name,
      });
      const n = ref.gpts[0];
      const theirs = readNpy(referencePath(`abtem-au-sphere/au_np_exit_${name}.npy`))
        .data as Float32Array;
      expect(relativeL2Transposed(result.waves, theirs, n, true)).toBeLessThan(1e-3);
      expect(Math.abs(result.metadata.meanIntensity[0] - ref.exit_int_mean)).toBeLessThan(1e-4);
      expect(Math.abs(result.metadata.meanIntensity[0] - 0.98637)).toBeLessThan(1e-4);

      // abTEM's focal_spread = 10 Å is the 1/e half-width δ; ours is σ = δ/√2.
      const condition = parseOpticalCondition({
        energy: 300e3,
        defocus: 100,
        Cs: -1.913e4,
        focalSpread: 10 / Math.SQRT2,
      });
      const grid = makeGrid([n, n], [40, 40]);
      const transfer = transferFunctionGrid(condition, grid);
      const img = await image(result.waves, [n, n], transfer);
      const theirImage = readNpy(referencePath(`abtem-au-sphere/au_np_ctf_int_${name}.npy`))
        .data as Float32Array;
      expect(relativeL2Transposed(img, theirImage, n, false)).toBeLessThan(1e-3);
    },
  );

  it.each(['kirkland', 'lobato'] as const)(
    '%s: potential projected through all slices: sum and maximum within 1e-5 of abTEM',
    async (name) => {
      const ref = summary.au_np[name];
      const grid = makeGrid(ref.gpts, [40, 40]);
      const fft = await Fft2.create(...ref.gpts);
      const builder = new SlicePotentialBuilder(
        grid,
        getParametrization(name),
        [79],
        fft,
        'bilinear',
      );
      const v = new Float32Array(grid.shape[0] * grid.shape[1]);
      const projected = new Float64Array(v.length);
      for (const slice of assignSlices(auAtoms.positions, 35, 1)) {
        builder.build(auAtoms.positions, auAtoms.numbers, slice, v);
        for (let i = 0; i < v.length; i++) projected[i] += v[i];
      }
      fft.dispose();
      // summary.json's projpot_max is the maximum of the potential projected through all slices
      let sum = 0;
      let max = -Infinity;
      for (const x of projected) {
        sum += x;
        if (x > max) max = x;
      }
      expect(Math.abs(sum / ref.projpot_sum - 1)).toBeLessThan(1e-5);
      expect(Math.abs(max / ref.projpot_max_eV_A - 1)).toBeLessThan(1e-5);
    },
  );
});

describe("Kirkland's figure 5.12 (C, Si, Cu, Au, U; 200 kV; Kirkland parametrization)", () => {
  it('gives image minimum 0.72 and maximum 1.03 after rounding to two decimals', async () => {
    const atoms = {
      cell: [50, 50, 8] as [number, number, number],
      numbers: new Uint8Array([6, 14, 29, 79, 92]),
      positions: new Float64Array([5, 25, 4, 15, 25, 4, 25, 25, 4, 35, 25, 4, 45, 25, 4]),
      labels: new Int32Array(5),
    };
    const result = await simulateExitWaves(atoms, {
      energy: 200e3,
      shape: [512, 512],
      parametrization: 'kirkland',
    });
    // soft aperture edge: one reciprocal pixel (1/50 Å⁻¹) as an angle
    const condition = parseOpticalCondition({
      energy: 200e3,
      defocus: 700,
      Cs: 1.3e7,
      apertureMrad: 10.37,
      apertureEdge: wavelength(200e3) / 50,
    });
    const transfer = transferFunctionGrid(condition, makeGrid([512, 512], [50, 50]));
    const img = await image(result.waves, [512, 512], transfer);
    let min = Infinity;
    let max = -Infinity;
    for (const x of img) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    expect(min.toFixed(2)).toBe(fig.image_min.toFixed(2));
    expect(max.toFixed(2)).toBe(fig.image_max.toFixed(2));
  });
});
