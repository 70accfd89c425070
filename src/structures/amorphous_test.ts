import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import {
  AMORPHOUS_CARBON_DENSITY,
  AMORPHOUS_CARBON_MIN_DISTANCE,
  amorphousFilm,
} from './amorphous.js';

/** Smallest periodic (x, y) distance between any two atoms, by a cell list. */
function minDistancePeriodic(pos: number[], lx: number, ly: number, cut: number): number {
  const n = pos.length / 3;
  const cells = new Map<string, number[]>();
  const nx = Math.floor(lx / cut);
  const ny = Math.floor(ly / cut);
  const key = (i: number, j: number, k: number) => `${(i + nx) % nx},${(j + ny) % ny},${k}`;
  const idx = (i: number) => [
    Math.min(nx - 1, Math.floor((pos[3 * i] / lx) * nx)),
    Math.min(ny - 1, Math.floor((pos[3 * i + 1] / ly) * ny)),
    Math.floor(pos[3 * i + 2] / cut),
  ];
  for (let i = 0; i < n; i++) {
    const [a, b, c] = idx(i);
    const k = key(a, b, c);
    cells.set(k, [...(cells.get(k) ?? []), i]);
  }
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const [a, b, c] = idx(i);
    for (let da = -1; da <= 1; da++)
      for (let db = -1; db <= 1; db++)
        for (let dc = -1; dc <= 1; dc++)
          for (const j of cells.get(key(a + da, b + db, c + dc)) ?? []) {
            if (j <= i) continue;
            let dx = pos[3 * j] - pos[3 * i];
            let dy = pos[3 * j + 1] - pos[3 * i + 1];
            dx -= lx * Math.round(dx / lx);
            dy -= ly * Math.round(dy / ly);
            best = Math.min(best, Math.hypot(dx, dy, pos[3 * j + 2] - pos[3 * i + 2]));
          }
  }
  return best;
}

describe('amorphousFilm', () => {
  const options = {
    element: 'C',
    lx: 40,
    ly: 30,
    thickness: 25,
    density: AMORPHOUS_CARBON_DENSITY,
    minDistance: AMORPHOUS_CARBON_MIN_DISTANCE,
  };

  it('keeps every pair of carbon atoms ≥ 1.4 Å apart across the periodic x, y boundaries', () => {
    const film = amorphousFilm(options, new Rng(3));
    const d = minDistancePeriodic(film.positions, 40, 30, 3);
    expect(d).toBeGreaterThanOrEqual(1.4);
    // RSA at this packing leaves close contacts: the closest pair sits just above the minimum.
    expect(d).toBeLessThan(1.45);
  });

  it('has a density within 2 % of the target, also in the film interior', () => {
    const film = amorphousFilm(options, new Rng(4));
    const total = film.numbers.length / (40 * 30 * 25);
    expect(Math.abs(total / 0.11 - 1)).toBeLessThan(0.02);
    // Interior slab 5 Å ≤ z ≤ 20 Å: statistical error about 1/√1980 = 2.2 %, so allow 3 σ.
    let inside = 0;
    for (let i = 2; i < film.positions.length; i += 3) {
      if (film.positions[i] >= 5 && film.positions[i] <= 20) inside++;
    }
    expect(Math.abs(inside / (40 * 30 * 15) / 0.11 - 1)).toBeLessThan(0.07);
    // The total is round(ρV) by construction, so the 2 % check that can fail is on the interior
    // of a larger film: 10 800 atoms in 5 ≤ z ≤ 35 Å, statistical error 1/√10800 ≈ 1 %.
    const big = amorphousFilm({ ...options, lx: 60, ly: 60, thickness: 40 }, new Rng(4));
    let core = 0;
    for (let i = 2; i < big.positions.length; i += 3) {
      if (big.positions[i] >= 5 && big.positions[i] <= 35) core++;
    }
    expect(Math.abs(core / (60 * 60 * 30) / 0.11 - 1)).toBeLessThan(0.02);
    for (let i = 0; i < film.positions.length; i += 3) {
      expect(film.positions[i]).toBeGreaterThanOrEqual(0);
      expect(film.positions[i]).toBeLessThan(40);
      expect(film.positions[i + 2]).toBeLessThanOrEqual(25);
    }
  });

  it('is reproducible for one seed and differs for another', () => {
    const a = amorphousFilm(options, new Rng(9));
    const b = amorphousFilm(options, new Rng(9));
    const c = amorphousFilm(options, new Rng(10));
    expect(b.positions).toEqual(a.positions);
    expect(c.positions).not.toEqual(a.positions);
  });

  it('scales close to linearly: 4× the atoms takes under 8× the trials', () => {
    const small = amorphousFilm({ ...options, lx: 30, ly: 30, thickness: 20 }, new Rng(1));
    const large = amorphousFilm({ ...options, lx: 60, ly: 60, thickness: 20 }, new Rng(1));
    expect(large.numbers.length / small.numbers.length).toBeCloseTo(4, 1);
    expect(large.trials / small.trials).toBeLessThan(8);
  });

  it('refuses a minimum distance impossible at the density instead of looping', () => {
    expect(() => amorphousFilm({ ...options, minDistance: 2.2 }, new Rng(1))).toThrow(InputError);
    expect(() => amorphousFilm({ ...options, minDistance: 2.2 }, new Rng(1))).toThrow(
      /packing fraction of 0\.613, beyond what random sequential addition reaches in reasonable time \(0\.35; it jams at 0\.3841\)/,
    );
    expect(() => amorphousFilm({ ...options, minDistance: 2.5 }, new Rng(1))).toThrow(
      /above random close packing \(0\.64\); this is impossible/,
    );
  });

  it('gives up after the trial cap with the density it reached', () => {
    // Packing 0.336 is accepted but needs about 100 trials per atom.
    expect(() =>
      amorphousFilm({ ...options, minDistance: 1.8, maxTrialsPerAtom: 3 }, new Rng(1)),
    ).toThrow(/placed only \d+ of \d+ atoms/);
  });

  it('rejects bad sizes and unknown elements', () => {
    expect(() => amorphousFilm({ ...options, element: 'Xx' }, new Rng(1))).toThrow(
      /unknown element/,
    );
    expect(() => amorphousFilm({ ...options, thickness: 0 }, new Rng(1))).toThrow(
      'film thickness must be > 0 Å, got 0 Å',
    );
    expect(() => amorphousFilm({ ...options, lx: 3 }, new Rng(1))).toThrow(RangeError);
  });
});
