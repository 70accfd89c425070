import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { directionVector } from './crystal.js';
import {
  angleBetween,
  applyMat3,
  det3,
  mulMat3,
  randomRotation,
  transpose3,
  type Vec3,
} from './linalg.js';
import { material } from './materials.js';
import { randomTilt, zoneAxisRotation } from './orientation.js';

describe('zoneAxisRotation', () => {
  it('puts the zone axis [uvw] along +z to within 1e-9 rad', () => {
    const cases: [string, Vec3][] = [
      ['Au', [1, 1, 0]],
      ['Au', [1, 1, 1]],
      ['Au', [1, 2, 3]],
      ['Au', [0, 0, 1]],
      ['Au', [0, 0, -1]],
      ['CdSe', [0, 0, 1]],
      ['CdSe', [2, 1, 0]],
      ['CdSe', [1, -1, 1]],
      ['TiO2', [1, 0, 1]],
    ];
    for (const [name, uvw] of cases) {
      const crystal = material(name);
      for (const angle of [0, 1.234]) {
        const r = zoneAxisRotation(crystal, uvw, angle);
        const beam = applyMat3(r, directionVector(crystal, uvw));
        expect(angleBetween(beam, [0, 0, 1]), `${name} [${uvw}]`).toBeLessThan(1e-9);
        expect(det3(r)).toBeCloseTo(1, 12);
      }
    }
  });

  it('turns about the beam by the in-plane angle', () => {
    const au = material('Au');
    const r0 = zoneAxisRotation(au, [0, 0, 1], 0);
    const r1 = zoneAxisRotation(au, [0, 0, 1], 0.5);
    const x0 = applyMat3(r0, [1, 0, 0]);
    const x1 = applyMat3(r1, [1, 0, 0]);
    expect(Math.atan2(x1[1], x1[0]) - Math.atan2(x0[1], x0[0])).toBeCloseTo(0.5, 12);
  });

  it('rejects [000]', () => {
    expect(() => zoneAxisRotation(material('Au'), [0, 0, 0])).toThrow(
      'zone axis [0 0 0] has no direction',
    );
  });
});

describe('randomRotation', () => {
  it('returns proper rotations that send z uniformly over the sphere (⟨z⟩ = 0, ⟨z²⟩ = 1/3)', () => {
    const rng = new Rng(11);
    let mz = 0;
    let mz2 = 0;
    let mx = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const { matrix } = randomRotation(rng);
      if (i < 50) {
        const rtr = mulMat3(transpose3(matrix), matrix);
        for (const [k, v] of rtr.entries()) expect(v).toBeCloseTo(k % 4 === 0 ? 1 : 0, 12);
        expect(det3(matrix)).toBeCloseTo(1, 12);
      }
      const z = applyMat3(matrix, [0, 0, 1]);
      mz += z[2] / n;
      mz2 += (z[2] * z[2]) / n;
      mx += z[0] / n;
    }
    // Standard errors: 1/√(3n) = 0.004 for ⟨z⟩, √(4/45/n) = 0.002 for ⟨z²⟩.
    expect(Math.abs(mz)).toBeLessThan(0.015);
    expect(Math.abs(mx)).toBeLessThan(0.015);
    expect(Math.abs(mz2 - 1 / 3)).toBeLessThan(0.008);
  });
});

describe('randomTilt', () => {
  it('tilts the beam direction by |(tx, ty)| with the requested spread', () => {
    const rng = new Rng(5);
    let sum2 = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const { matrix, tilt } = randomTilt(0.01, rng);
      const z = applyMat3(matrix, [0, 0, 1]);
      expect(angleBetween(z, [0, 0, 1])).toBeCloseTo(Math.hypot(...tilt), 12);
      sum2 += tilt[0] ** 2 + tilt[1] ** 2;
    }
    // ⟨tx² + ty²⟩ = 2σ².
    expect(sum2 / n / (2 * 0.01 ** 2)).toBeCloseTo(1, 1);
    expect(randomTilt(0, rng).tilt).toEqual([0, 0]);
    expect(() => randomTilt(-1, rng)).toThrow(RangeError);
  });
});
