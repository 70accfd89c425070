/**
 * Multiply twinned particles of fcc metals: the Ino decahedron (five tetrahedra sharing a
 * five-fold axis) and the Mackay icosahedron (twenty tetrahedra sharing a vertex).
 *
 * Each fcc tetrahedron with `shells` nearest-neighbour spacings along an edge holds the lattice
 * points i·e1 + j·e2 + k·e3 (i, j, k ≥ 0, i + j + k ≤ shells), with e1, e2, e3 its edge vectors.
 * The tetrahedra do not tile space exactly (7.35° gap for the decahedron, 5 % radial compression
 * for the icosahedron), so each is mapped affinely onto its slot: the strain is spread
 * homogeneously over each tetrahedron. Atoms shared by faces, edges and the centre are merged.
 * The five-fold axis of the decahedron and a five-fold axis of the icosahedron lie along z of the
 * particle frame.
 */
import { atomicNumber } from '../core/elements.js';
import { InputError, requireInteger } from '../core/errors.js';
import type { AtomList, Crystal } from './crystal.js';
import { compileShape, type ShapeSpec } from './shapes.js';

type Point = [number, number, number];

/**
 * Builds a decahedron or icosahedron of an fcc crystal, optionally clipped by a volume.
 *
 * @throws InputError for a crystal that is not fcc; RangeError for shells < 1
 */
export function buildMultiplyTwinned(
  crystal: Crystal,
  shape: { kind: 'decahedron' | 'icosahedron'; shells: number; clip?: ShapeSpec },
): AtomList {
  if (crystal.structureType !== 'fcc') {
    throw new InputError(
      `${shape.kind} particles are built for fcc metals; material "${crystal.name}" is ${crystal.structureType}`,
    );
  }
  requireInteger(`${shape.kind} shells`, shape.shells, 1, 200);
  const nn = crystal.lattice.a / Math.SQRT2;
  const n = shape.shells;
  const tetrahedra =
    shape.kind === 'decahedron' ? decahedronTetrahedra(n * nn) : icosahedronTetrahedra(n * nn);
  const clip = shape.clip ? compileShape(shape.clip, crystal) : null;
  const z = atomicNumber(crystal.sites[0].element);
  const merged = new Map<string, Point>();
  const cellSize = 0.3 * nn;
  const keyOf = (p: Point) => p.map((v) => Math.round(v / cellSize)).join(',');
  for (const [v0, v1, v2, v3] of tetrahedra) {
    for (let i = 0; i <= n; i++) {
      for (let j = 0; i + j <= n; j++) {
        for (let k = 0; i + j + k <= n; k++) {
          const p = [0, 1, 2].map(
            (c) => v0[c] + (i * (v1[c] - v0[c]) + j * (v2[c] - v0[c]) + k * (v3[c] - v0[c])) / n,
          ) as Point;
          if (clip && !clip.contains(p[0], p[1], p[2])) continue;
          if (!hasNeighbourKey(merged, p, cellSize)) merged.set(keyOf(p), p);
        }
      }
    }
  }
  const points = [...merged.values()];
  return { numbers: points.map(() => z), positions: points.flat() };
}

function hasNeighbourKey(map: Map<string, Point>, p: Point, cell: number): boolean {
  const c = p.map((v) => Math.round(v / cell));
  for (let dx = -1; dx <= 1; dx++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dz = -1; dz <= 1; dz++) {
        const q = map.get(`${c[0] + dx},${c[1] + dy},${c[2] + dz}`);
        if (q && Math.hypot(q[0] - p[0], q[1] - p[1], q[2] - p[2]) < cell) return true;
      }
    }
  }
  return false;
}

/** Five tetrahedra around the z axis; edge length along the axis is `edge` [Å]. */
function decahedronTetrahedra(edge: number): Point[][] {
  // Ring radius so that the axis-to-ring edges equal the axis edge; the ring edges stretch 1.8 %.
  const ring = (edge * Math.sqrt(3)) / 2;
  const top: Point = [0, 0, edge / 2];
  const bottom: Point = [0, 0, -edge / 2];
  const out: Point[][] = [];
  for (let k = 0; k < 5; k++) {
    const a = (2 * Math.PI * k) / 5;
    const b = (2 * Math.PI * (k + 1)) / 5;
    out.push([
      bottom,
      top,
      [ring * Math.cos(a), ring * Math.sin(a), 0],
      [ring * Math.cos(b), ring * Math.sin(b), 0],
    ]);
  }
  return out;
}

/** Twenty tetrahedra with the centre as common vertex; mean edge length `edge` [Å]. */
function icosahedronTetrahedra(edge: number): Point[][] {
  // Icosahedron edge / circumradius = 1 / sin(2π/5); choose the radius so that the mean of the
  // three radial and three surface edges of each tetrahedron equals `edge`.
  const ratio = 1 / Math.sin((2 * Math.PI) / 5);
  const radius = (2 * edge) / (1 + ratio);
  const h = 1 / Math.sqrt(5);
  const rho = 2 / Math.sqrt(5);
  const vertices: Point[] = [[0, 0, 1]];
  for (let k = 0; k < 5; k++) {
    vertices.push([
      rho * Math.cos((2 * Math.PI * k) / 5),
      rho * Math.sin((2 * Math.PI * k) / 5),
      h,
    ]);
  }
  for (let k = 0; k < 5; k++) {
    const a = (2 * Math.PI * (k + 0.5)) / 5;
    vertices.push([rho * Math.cos(a), rho * Math.sin(a), -h]);
  }
  vertices.push([0, 0, -1]);
  const scaled = vertices.map((v) => v.map((c) => c * radius) as Point);
  const faces: [number, number, number][] = [];
  for (let k = 0; k < 5; k++) {
    const u = 1 + k;
    const u1 = 1 + ((k + 1) % 5);
    const l = 6 + k;
    const l1 = 6 + ((k + 1) % 5);
    faces.push([0, u, u1], [u, l, u1], [u1, l, l1], [11, l, l1]);
  }
  const center: Point = [0, 0, 0];
  return faces.map(([a, b, c]) => [center, scaled[a], scaled[b], scaled[c]]);
}
