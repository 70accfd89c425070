/** Helpers shared by the structures tests (not exported from index.ts). */
import type { AtomList } from './crystal.js';

/** Smallest distance between two atoms of the given atomic numbers (brute force, small sets). */
export function minPairDistance(atoms: AtomList, za?: number, zb?: number): number {
  const p = atoms.positions;
  const n = atoms.numbers.length;
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = atoms.numbers[i];
      const b = atoms.numbers[j];
      if (za !== undefined && !((a === za && b === zb) || (a === zb && b === za))) continue;
      const d = Math.hypot(
        p[3 * i] - p[3 * j],
        p[3 * i + 1] - p[3 * j + 1],
        p[3 * i + 2] - p[3 * j + 2],
      );
      if (d < best) best = d;
    }
  }
  return best;
}
