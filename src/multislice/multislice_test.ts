import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Atoms } from '../core/atoms.js';
import { InputError } from '../core/errors.js';
import { Fft2 } from '../core/fft.js';
import { makeGrid } from '../core/grid.js';
import { Rng } from '../core/rng.js';
import { getParametrization } from '../potential/parametrization.js';
import { SlicePotentialBuilder } from '../potential/projected-potential.js';
import { MultisliceEngine, propagateFloat64 } from './engine.js';
import { debyeWallerTable, displacePositions } from './phonons.js';
import { simulateExitWaves } from './simulate.js';
import { assignSlices } from './slicing.js';
import { cropExitWaves, readExitWaveSet, resampleFourier, writeExitWaveSet } from './storage.js';
import { parseExtendedXyz } from './xyz.js';

/** A few atoms of mixed species scattered in a cell, seeded. */
function randomAtoms(
  cell: [number, number, number],
  count: number,
  seed: number,
  z = [6, 14, 29],
): Atoms {
  const rng = new Rng(seed);
  const positions = new Float64Array(3 * count);
  const numbers = new Uint8Array(count);
  for (let j = 0; j < count; j++) {
    positions[3 * j] = rng.uniform(0, cell[0]);
    positions[3 * j + 1] = rng.uniform(0, cell[1]);
    positions[3 * j + 2] = rng.uniform(0, cell[2]);
    numbers[j] = z[j % z.length];
  }
  return { cell, numbers, positions, labels: new Int32Array(count) };
}

function noWarnings() {
  return {
    onWarning: (w: { code: string; message: string }) => {
      throw new Error(`unexpected warning ${w.code}: ${w.message}`);
    },
  };
}

function totalIntensity(w: Float32Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i] * w[i];
  return s;
}

describe('multislice physics', () => {
  it('a vacuum cell gives a flat exit wave of amplitude 1', async () => {
    const atoms: Atoms = {
      cell: [12, 9.6, 20],
      numbers: new Uint8Array(),
      positions: new Float64Array(),
      labels: new Int32Array(),
    };
    const r = await simulateExitWaves(atoms, { energy: 300e3, sampling: 0.1 }, noWarnings());
    let worst = 0;
    for (let i = 0; i < r.waves.length; i += 2)
      worst = Math.max(worst, Math.hypot(r.waves[i] - 1, r.waves[i + 1]));
    expect(worst).toBeLessThan(1e-6);
  });

  it('with the band limit off, total intensity is conserved to 1e-5 through 100 slices', async () => {
    const atoms = randomAtoms([12.8, 9.6, 100], 60, 1);
    const r = await simulateExitWaves(
      atoms,
      { energy: 300e3, shape: [96, 128], bandLimit: false },
      noWarnings(),
    );
    expect(r.metadata.sliceCount).toBe(100);
    expect(Math.abs(r.metadata.meanIntensity[0] - 1)).toBeLessThan(1e-5);
    // and the specimen did scatter: the wave is far from flat
    let spread = 0;
    for (let i = 0; i < r.waves.length; i += 2) spread = Math.max(spread, Math.abs(r.waves[i] - 1));
    expect(spread).toBeGreaterThan(0.1);
  });

  it('propagating +Δz then −Δz returns the wave to float32 precision (2e-6 relative L2)', async () => {
    // complex64 arithmetic: each 2D FFT adds ~1e-7 relative rounding error, so 1e-9 is out of reach
    const [ny, nx] = [96, 80];
    const grid = makeGrid([ny, nx], [9.6, 8]);
    const fft = await Fft2.create(ny, nx);
    const builder = new SlicePotentialBuilder(
      grid,
      getParametrization('lobato'),
      [29],
      fft,
      'bilinear',
    );
    const engine = new MultisliceEngine(grid, fft, builder, {
      energy: 200e3,
      thickness: 1,
      sliceThickness: 1,
      bandLimit: null,
      bandLimitTransmission: false,
      beamTilt: [0.002, -0.001],
    });
    const rng = new Rng(5);
    const wave = new Float32Array(2 * nx * ny).map(() => rng.normal());
    const start = wave.slice();
    engine.propagate(wave, 25);
    let moved = 0;
    for (let i = 0; i < wave.length; i++) moved = Math.max(moved, Math.abs(wave[i] - start[i]));
    expect(moved).toBeGreaterThan(0.1);
    engine.propagate(wave, -25);
    let num = 0;
    for (let i = 0; i < wave.length; i++) num += (wave[i] - start[i]) ** 2;
    expect(Math.sqrt(num / totalIntensity(start))).toBeLessThan(2e-6);
    fft.dispose();
  });

  it('in float64, propagating +Δz then −Δz (with tilt and band limit off) returns the wave to 1e-9', () => {
    const grid = makeGrid([30, 48], [3, 4.8]);
    const rng = new Rng(6);
    const wave = new Float64Array(2 * 30 * 48).map(() => rng.normal());
    const start = wave.slice();
    propagateFloat64(wave, grid, 200e3, 25, null, [0.002, -0.001]);
    let moved = 0;
    for (let i = 0; i < wave.length; i++) moved = Math.max(moved, Math.abs(wave[i] - start[i]));
    expect(moved).toBeGreaterThan(0.1);
    propagateFloat64(wave, grid, 200e3, -25, null, [0.002, -0.001]);
    let num = 0;
    let den = 0;
    for (let i = 0; i < wave.length; i++) {
      num += (wave[i] - start[i]) ** 2;
      den += start[i] ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-9);
  });

  it('the float32 engine and the float64 reference propagate alike (to 2e-6)', async () => {
    const [ny, nx] = [48, 64];
    const grid = makeGrid([ny, nx], [4.8, 6.4]);
    const fft = await Fft2.create(ny, nx);
    const builder = new SlicePotentialBuilder(
      grid,
      getParametrization('lobato'),
      [29],
      fft,
      'bilinear',
    );
    const band = { fraction: 2 / 3, taper: 0.01 };
    const engine = new MultisliceEngine(grid, fft, builder, {
      energy: 300e3,
      thickness: 1,
      sliceThickness: 1,
      bandLimit: band,
      bandLimitTransmission: true,
      beamTilt: [0.003, 0],
    });
    const rng = new Rng(8);
    const w32 = new Float32Array(2 * nx * ny).map(() => rng.normal());
    const w64 = Float64Array.from(w32);
    engine.propagate(w32, 7);
    propagateFloat64(w64, grid, 300e3, 7, band, [0.003, 0]);
    let num = 0;
    let den = 0;
    for (let i = 0; i < w64.length; i++) {
      num += (w32[i] - w64[i]) ** 2;
      den += w64[i] ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(2e-6);
    fft.dispose();
  });

  it.each([
    [[48, 80], 'pffft'],
    [[30, 45], 'js'],
  ] as const)(
    'a non-square %j grid gives the transpose of its transposed scene (%s FFT)',
    async (shape, _backend) => {
      const [ny, nx] = shape;
      const cell: [number, number, number] = [nx * 0.1, ny * 0.1, 6];
      const atoms = randomAtoms(cell, 12, 3, [29, 79]);
      const swapped: Atoms = {
        cell: [cell[1], cell[0], cell[2]],
        numbers: atoms.numbers,
        positions: atoms.positions.map((v, i) =>
          i % 3 === 0 ? atoms.positions[i + 1] : i % 3 === 1 ? atoms.positions[i - 1] : v,
        ),
        labels: atoms.labels,
      };
      const settings = {
        energy: 300e3,
        placement: 'exact' as const,
        bandLimit: { fraction: 2 / 3, taper: 0 },
      };
      const a = await simulateExitWaves(atoms, { ...settings, shape: [ny, nx] });
      const b = await simulateExitWaves(swapped, { ...settings, shape: [nx, ny] });
      let num = 0;
      let den = 0;
      for (let iy = 0; iy < ny; iy++) {
        for (let ix = 0; ix < nx; ix++) {
          for (let p = 0; p < 2; p++) {
            const u = a.waves[2 * (iy * nx + ix) + p];
            const v = b.waves[2 * (ix * ny + iy) + p];
            num += (u - v) ** 2;
            den += u * u;
          }
        }
      }
      expect(Math.sqrt(num / den)).toBeLessThan(1e-5);
      // the scene is not symmetric: the wave is not its own transpose
      expect(a.waves[2 * (3 * nx + 17)]).not.toBeCloseTo(a.waves[2 * (17 * nx + 3)], 3);
    },
  );

  it('a beam tilt shifts the exit wave of a thin object by Δz·tan θ per slice', async () => {
    const atoms: Atoms = {
      cell: [12.8, 12.8, 40],
      numbers: new Uint8Array([79]),
      positions: new Float64Array([6.4, 6.4, 0.5]),
      labels: new Int32Array(1),
    };
    const tilt = 0.01; // 10 mrad along x: the atom's image walks 40 slices · 1 Å · tan θ ≈ 0.4 Å = 4 px
    const straight = await simulateExitWaves(atoms, {
      energy: 300e3,
      shape: [128, 128],
      bandLimit: false,
    });
    const tilted = await simulateExitWaves(atoms, {
      energy: 300e3,
      shape: [128, 128],
      bandLimit: false,
      beamTilt: [tilt, 0],
    });
    const centroid = (w: Float32Array) => {
      let sx = 0;
      let s = 0;
      for (let iy = 0; iy < 128; iy++) {
        for (let ix = 0; ix < 128; ix++) {
          const d = Math.hypot(w[2 * (iy * 128 + ix)] - 1, w[2 * (iy * 128 + ix) + 1]);
          sx += d * ix;
          s += d;
        }
      }
      return (sx / s) * 0.1;
    };
    const shift = centroid(straight.waves) - centroid(tilted.waves);
    expect(Math.abs(Math.abs(shift) - 40 * Math.tan(tilt))).toBeLessThan(0.05);
  });
});

describe('empty slices', () => {
  it('merging runs of empty slices gives the same exit wave when the band limit has no taper', async () => {
    const atoms = randomAtoms([9.6, 9.6, 30], 6, 8, [79]);
    atoms.positions.forEach((v, i) => {
      if (i % 3 === 2) atoms.positions[i] = 10 + (v % 5);
    });
    const settings = {
      energy: 300e3,
      shape: [96, 96] as [number, number],
      bandLimit: { fraction: 2 / 3, taper: 0 },
    };
    const a = await simulateExitWaves(atoms, settings);
    const b = await simulateExitWaves(atoms, { ...settings, mergeEmptySlices: true });
    let num = 0;
    for (let i = 0; i < a.waves.length; i++) num += (a.waves[i] - b.waves[i]) ** 2;
    expect(Math.sqrt(num / totalIntensity(a.waves))).toBeLessThan(1e-5);
  });
});

describe('frozen phonons', () => {
  it('are reproducible from the seed, differ between configurations, and keep configuration k for any N', async () => {
    const atoms = randomAtoms([9.6, 9.6, 4], 20, 9, [79]);
    const settings = { energy: 300e3, shape: [96, 96] as [number, number] };
    const a = await simulateExitWaves(
      atoms,
      { ...settings, phonons: { configurations: 3, seed: 42 } },
      noWarnings(),
    );
    const b = await simulateExitWaves(
      atoms,
      { ...settings, phonons: { configurations: 2, seed: 42 } },
      noWarnings(),
    );
    expect(a.shape).toEqual([3, 96, 96]);
    const n = 2 * 96 * 96;
    expect(Array.from(b.waves.subarray(0, 2 * n))).toEqual(Array.from(a.waves.subarray(0, 2 * n)));
    let diff = 0;
    for (let i = 0; i < n; i++) diff = Math.max(diff, Math.abs(a.waves[i] - a.waves[n + i]));
    expect(diff).toBeGreaterThan(1e-3);
    expect(a.metadata.phonons.rms.Au).toBeCloseTo(
      Math.sqrt(debyeWallerTable().Au / (8 * Math.PI ** 2)),
      6,
    );
  });

  it('draws displacements with the requested rms', () => {
    const n = 20000;
    const positions = new Float64Array(3 * n);
    const rms = new Float64Array(n).fill(0.1);
    const d = displacePositions(positions, rms, 7, 0);
    let s2 = 0;
    for (const v of d) s2 += v * v;
    expect(Math.sqrt(s2 / (3 * n))).toBeCloseTo(0.1, 2);
  });

  it('warns once per element without a tabulated Debye–Waller factor (Se) and uses the default', async () => {
    const atoms = randomAtoms([9.6, 9.6, 2], 4, 2, [34]);
    const codes: string[] = [];
    await simulateExitWaves(
      atoms,
      { energy: 300e3, shape: [96, 96], phonons: { configurations: 1, seed: 1 } },
      { onWarning: (w) => codes.push(w.code) },
    );
    expect(codes).toEqual(['phonon-default-rms']);
  });
});

describe('bad input', () => {
  const ok = randomAtoms([9.6, 9.6, 4], 3, 1);
  it('refuses atoms outside the cell, naming the atom and the cell', async () => {
    const bad = { ...ok, positions: ok.positions.slice() };
    bad.positions[3] = 10;
    await expect(simulateExitWaves(bad, { energy: 300e3 })).rejects.toThrow(InputError);
    await expect(simulateExitWaves(bad, { energy: 300e3 })).rejects.toThrow(
      /atom 1 \(Z = 14\) at \(10, .*\) Å lies outside the cell \[0, 9.6\) × \[0, 9.6\) × \[0, 4\] Å/,
    );
  });

  it('refuses elements without parameters', async () => {
    const bad = { ...ok, numbers: Uint8Array.from([6, 110, 6]) };
    await expect(simulateExitWaves(bad, { energy: 300e3 })).rejects.toThrow(
      'the lobato parametrization has no parameters for atomic number Z = 110 (it covers Z = 1–103)',
    );
  });

  it('refuses a sampling with fewer than 2 pixels per Å per 1/Å of the requested band', async () => {
    await expect(simulateExitWaves(ok, { energy: 300e3, sampling: 0.2, band: 3 })).rejects.toThrow(
      'sampling 0.2000 Å is too coarse for the requested band 3 1/Å: need at least 2 pixels per Å per 1/Å of band (sampling ≤ 0.1667 Å)',
    );
  });

  it('refuses a grid shape with a prime factor other than 2, 3, 5', async () => {
    await expect(simulateExitWaves(ok, { energy: 300e3, shape: [96, 98] })).rejects.toThrow(
      'shape nx must be 2^a·3^b·5^c pixels (FFT sizes), got 98; try 100',
    );
  });

  it('warns (band-above-limit) when the requested band passes Nyquist but not the band limit', async () => {
    const codes: string[] = [];
    await simulateExitWaves(
      ok,
      { energy: 300e3, sampling: 0.1, band: 4 },
      { onWarning: (w) => codes.push(w.code) },
    );
    expect(codes).toEqual(['band-above-limit']);
  });

  it('warns (sampling-coarse) when the band limit reaches less than 50 mrad', async () => {
    const codes: string[] = [];
    await simulateExitWaves(
      ok,
      { energy: 300e3, sampling: 0.3 },
      { onWarning: (w) => codes.push(w.code) },
    );
    expect(codes).toEqual(['sampling-coarse']);
  });

  it('reports a malformed XYZ file with its line', () => {
    expect(() =>
      parseExtendedXyz(
        '1\nLattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3\nXx 1 2 3\n',
        'a.xyz',
      ),
    ).toThrow("a.xyz:3: unknown chemical symbol 'Xx'");
  });
});

describe('exit-wave storage', () => {
  it('crops to the band limit losslessly: resampling back restores the wave to 1e-5', async () => {
    const atoms = randomAtoms([12.8, 9.6, 4], 10, 4, [29]);
    const full = await simulateExitWaves(atoms, {
      energy: 300e3,
      shape: [96, 128],
      bandLimit: { fraction: 2 / 3, taper: 0 },
    });
    const cropped = await cropExitWaves(full);
    expect(cropped.shape).toEqual([1, 64, 96]);
    const back = await resampleFourier(cropped.waves, cropped.shape, [96, 128]);
    let num = 0;
    for (let i = 0; i < back.length; i++) num += (back[i] - full.waves[i]) ** 2;
    expect(Math.sqrt(num / totalIntensity(full.waves))).toBeLessThan(1e-5);
  });

  it('cuts a storage band below the band limit as a disc: nothing survives outside it', async () => {
    const atoms = randomAtoms([12.8, 9.6, 4], 10, 4, [79]);
    const full = await simulateExitWaves(atoms, { energy: 300e3, shape: [96, 128] });
    const band = 1.5;
    const cropped = await cropExitWaves(full, band);
    expect(cropped.metadata.storedBand).toBe(band);
    const [, my, mx] = cropped.shape;
    const spectrum = cropped.waves.slice(0, 2 * my * mx);
    const fft = await Fft2.create(my, mx);
    fft.forward(spectrum);
    fft.dispose();
    const [ly, lx] = [9.6, 12.8];
    let outside = 0;
    let corner = 0;
    let inside = 0;
    for (let iy = 0; iy < my; iy++) {
      for (let ix = 0; ix < mx; ix++) {
        const ky = (iy < Math.ceil(my / 2) ? iy : iy - my) / ly;
        const kx = (ix < Math.ceil(mx / 2) ? ix : ix - mx) / lx;
        const power = spectrum[2 * (iy * mx + ix)] ** 2 + spectrum[2 * (iy * mx + ix) + 1] ** 2;
        const k = Math.hypot(ky, kx);
        if (k > band) outside += power;
        if (k > band && Math.abs(ky) <= band && Math.abs(kx) <= band) corner++;
        if (k > 0 && k <= band) inside += power;
      }
    }
    expect(corner).toBeGreaterThan(0); // the square crop has corners beyond the band
    expect(inside).toBeGreaterThan(0);
    expect(outside / inside).toBeLessThan(1e-9); // float32 round-off of the FFT pair only
  });

  it('writes and reads a folder; a folder without metadata.json is refused as incomplete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exit-'));
    const atoms = randomAtoms([6.4, 6.4, 2], 3, 4);
    const r = await simulateExitWaves(atoms, { energy: 300e3, shape: [64, 64], structureId: 's1' });
    writeExitWaveSet(dir, r);
    const back = readExitWaveSet(dir);
    expect(back.shape).toEqual([1, 64, 64]);
    expect(back.metadata.structureId).toBe('s1');
    expect(Array.from(back.waves.subarray(0, 8))).toEqual(Array.from(r.waves.subarray(0, 8)));
    rmSync(join(dir, 'metadata.json'));
    expect(() => readExitWaveSet(dir)).toThrow(
      'not a complete exit-wave folder (no metadata.json)',
    );
  });
});

describe('slicing', () => {
  it('assigns atoms by z, the top face to the last slice', () => {
    const slices = assignSlices(new Float64Array([0, 0, 0.2, 0, 0, 1.0, 0, 0, 2.5, 0, 0, 3]), 3, 1);
    expect(slices.map((s) => Array.from(s))).toEqual([[0], [1], [2, 3]]);
  });
});
