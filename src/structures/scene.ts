/**
 * Scenes: several objects (substrate, particles) combined into one cell periodic in x and y.
 * Objects with a higher priority displace atoms of lower-priority objects that come closer than a
 * clearance distance, so a particle pressed into a film removes the film atoms it overlaps.
 */
import type { Atoms } from '../core/atoms.js';
import { InputError, requirePositive } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { AtomList } from './crystal.js';

/** One object of a scene. */
export interface SceneObject {
  atoms: AtomList;
  /** Label of its atoms: 0 for the substrate, k ≥ 1 for particle k. */
  label: number;
  /** Higher priority wins where objects overlap. */
  priority: number;
}

/**
 * Combines objects into one `Atoms` cell. Positions are wrapped into [0, lx) × [0, ly); z must lie
 * in [0, lz]. Atoms of an object are dropped when an atom of an object with a higher priority lies
 * within `clearance` (periodic in x and y). Objects of equal priority do not displace each other.
 *
 * @param cell (lx, ly, lz) [Å]
 * @param clearance distance [Å] below which a lower-priority atom is removed, default 2 Å
 * @throws RangeError if an atom lies outside the cell along z
 */
export function composeScene(
  cell: [number, number, number],
  objects: SceneObject[],
  clearance = 2,
): Atoms {
  const [lx, ly, lz] = cell;
  requirePositive('cell x', lx, 'Å');
  requirePositive('cell y', ly, 'Å');
  requirePositive('cell z', lz, 'Å');
  requirePositive('clearance', clearance, 'Å');
  const order = objects
    .map((o, i) => ({ o, i }))
    .sort((a, b) => b.o.priority - a.o.priority || a.i - b.i)
    .map((e) => e.o);

  const nx = Math.max(1, Math.floor(lx / clearance));
  const ny = Math.max(1, Math.floor(ly / clearance));
  const nz = Math.max(1, Math.floor(lz / clearance));
  const total = objects.reduce((s, o) => s + o.atoms.numbers.length, 0);
  const head = new Int32Array(nx * ny * nz).fill(-1);
  const next = new Int32Array(total);
  const pos = new Float64Array(3 * total);
  const numbers = new Uint8Array(total);
  const labels = new Int32Array(total);
  const c2 = clearance * clearance;
  let kept = 0;

  const cellOf = (x: number, y: number, z: number) => {
    const ix = Math.min(nx - 1, Math.floor((x / lx) * nx));
    const iy = Math.min(ny - 1, Math.floor((y / ly) * ny));
    const iz = Math.min(nz - 1, Math.floor((z / lz) * nz));
    return [ix, iy, iz];
  };
  const blocked = (x: number, y: number, z: number): boolean => {
    const [ix, iy, iz] = cellOf(x, y, z);
    const xs = neighbours(ix, nx);
    const ys = neighbours(iy, ny);
    for (let dz = -1; dz <= 1; dz++) {
      const jz = iz + dz;
      if (jz < 0 || jz >= nz) continue;
      for (const jy of ys) {
        for (const jx of xs) {
          for (let k = head[(jz * ny + jy) * nx + jx]; k >= 0; k = next[k]) {
            let ddx = pos[3 * k] - x;
            let ddy = pos[3 * k + 1] - y;
            const ddz = pos[3 * k + 2] - z;
            ddx -= lx * Math.round(ddx / lx);
            ddy -= ly * Math.round(ddy / ly);
            if (ddx * ddx + ddy * ddy + ddz * ddz < c2) return true;
          }
        }
      }
    }
    return false;
  };

  let level = 0;
  while (level < order.length) {
    const priority = order[level].priority;
    const start = kept;
    let end = level;
    while (end < order.length && order[end].priority === priority) end++;
    for (let j = level; j < end; j++) {
      const { atoms, label } = order[j];
      const p = atoms.positions;
      for (let i = 0; i < atoms.numbers.length; i++) {
        const x = p[3 * i] - lx * Math.floor(p[3 * i] / lx);
        const y = p[3 * i + 1] - ly * Math.floor(p[3 * i + 1] / ly);
        const z = p[3 * i + 2];
        if (!(z >= 0 && z <= lz)) {
          throw new RangeError(`scene atom at z = ${z} Å lies outside the cell [0, ${lz}] Å`);
        }
        if (start > 0 && blocked(x, y, z)) continue;
        pos[3 * kept] = x;
        pos[3 * kept + 1] = y;
        pos[3 * kept + 2] = z;
        numbers[kept] = atoms.numbers[i];
        labels[kept] = label;
        kept++;
      }
    }
    // Insert this level into the grid only now: equal priorities do not displace each other.
    for (let k = start; k < kept; k++) {
      const [ix, iy, iz] = cellOf(pos[3 * k], pos[3 * k + 1], pos[3 * k + 2]);
      const c = (iz * ny + iy) * nx + ix;
      next[k] = head[c];
      head[c] = k;
    }
    level = end;
  }
  return {
    cell: [lx, ly, lz],
    numbers: numbers.slice(0, kept),
    positions: pos.slice(0, 3 * kept),
    labels: labels.slice(0, kept),
  };
}

/** Periodic neighbour cells of index i among n (each cell once, also when n < 3). */
function neighbours(i: number, n: number): number[] {
  if (n < 3) return Array.from({ length: n }, (_, k) => k);
  return [(i - 1 + n) % n, i, (i + 1) % n];
}

/**
 * Places discs of the given radii uniformly at random in a periodic lx × ly rectangle so that any
 * two are at least `minSeparation` apart edge to edge (periodic minimum image).
 *
 * @returns centres (x, y) [Å]
 * @throws InputError if they do not fit after 10 000 trials per disc
 */
export function placeDiscs(
  radii: number[],
  lx: number,
  ly: number,
  minSeparation: number,
  rng: Rng,
): [number, number][] {
  const centers: [number, number][] = [];
  for (let i = 0; i < radii.length; i++) {
    let placed = false;
    for (let trial = 0; trial < 10_000 && !placed; trial++) {
      const x = rng.random() * lx;
      const y = rng.random() * ly;
      const ok = centers.every(([cx, cy], j) => {
        let dx = cx - x;
        let dy = cy - y;
        dx -= lx * Math.round(dx / lx);
        dy -= ly * Math.round(dy / ly);
        return Math.hypot(dx, dy) >= radii[i] + radii[j] + minSeparation;
      });
      const selfOk = 2 * radii[i] + minSeparation <= Math.min(lx, ly);
      if (ok && selfOk) {
        centers.push([x, y]);
        placed = true;
      }
    }
    if (!placed) {
      throw new InputError(
        `cannot place ${radii.length} particles (radii up to ${Math.max(...radii).toFixed(1)} Å, at least ${minSeparation} Å apart) in a ${lx} × ${ly} Å cell; use fewer or smaller particles or a larger cell`,
      );
    }
  }
  return centers;
}
