import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { composeScene, placeDiscs } from './scene.js';

describe('composeScene', () => {
  it('lets the higher priority displace atoms within the clearance, across the periodic edge', () => {
    const particle = { atoms: { numbers: [79], positions: [0.5, 5, 5] }, label: 1, priority: 1 };
    const film = {
      // 1.0 Å from the particle through the x boundary (9.5 → −0.5), 2.5 Å away, 1.5 Å away.
      atoms: { numbers: [6, 6, 6], positions: [9.5, 5, 5, 0.5, 7.5, 5, 0.5, 5, 6.5] },
      label: 0,
      priority: 0,
    };
    const atoms = composeScene([10, 10, 10], [film, particle], 2);
    expect([...atoms.numbers]).toEqual([79, 6]);
    expect([...atoms.labels]).toEqual([1, 0]);
    expect([...atoms.positions]).toEqual([0.5, 5, 5, 0.5, 7.5, 5]);
  });

  it('keeps overlapping atoms of equal priority and wraps positions into the cell', () => {
    const a = { atoms: { numbers: [6], positions: [-1, 12, 3] }, label: 1, priority: 1 };
    const b = { atoms: { numbers: [6], positions: [9.2, 2, 3] }, label: 2, priority: 1 };
    const atoms = composeScene([10, 10, 10], [a, b], 2);
    expect(atoms.numbers.length).toBe(2);
    expect(atoms.positions[0]).toBeCloseTo(9, 12);
    expect(atoms.positions[1]).toBeCloseTo(2, 12);
  });

  it('rejects atoms outside the cell along z', () => {
    const a = { atoms: { numbers: [6], positions: [1, 1, 11] }, label: 0, priority: 0 };
    expect(() => composeScene([10, 10, 10], [a])).toThrow(
      'scene atom at z = 11 Å lies outside the cell [0, 10] Å',
    );
  });
});

describe('placeDiscs', () => {
  it('keeps discs at least the minimum separation apart, periodically', () => {
    const radii = [5, 8, 6, 7];
    const centers = placeDiscs(radii, 60, 50, 4, new Rng(3));
    for (let i = 0; i < radii.length; i++) {
      for (let j = i + 1; j < radii.length; j++) {
        let dx = centers[i][0] - centers[j][0];
        let dy = centers[i][1] - centers[j][1];
        dx -= 60 * Math.round(dx / 60);
        dy -= 50 * Math.round(dy / 50);
        expect(Math.hypot(dx, dy)).toBeGreaterThanOrEqual(radii[i] + radii[j] + 4);
      }
    }
  });

  it('says so when the discs cannot fit', () => {
    expect(() => placeDiscs([20, 20], 40, 40, 1, new Rng(1))).toThrow(InputError);
    expect(() => placeDiscs([20, 20], 40, 40, 1, new Rng(1))).toThrow(/cannot place 2 particles/);
  });
});
