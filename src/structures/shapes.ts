/**
 * Volumes that carve a crystal into a particle. Every shape is described by a JSON-serialisable
 * `ShapeSpec` in the particle frame: the crystal's Cartesian frame (a along x, b in the xy plane)
 * with its origin at the particle centre, lengths in Å. Faceted shapes take Miller planes (hkl)
 * whose families are expanded by the lattice's point group.
 */
import { InputError, requirePositive } from '../core/errors.js';
import { type Crystal, latticePointGroup, planeNormal } from './crystal.js';
import { applyMat3, cross, dot, norm, normalize, type Vec3 } from './linalg.js';

/** A facet plane (hkl) at `distance` [Å] from the particle centre. */
export interface FacetPlane {
  hkl: Vec3;
  distance: number;
}

/** A Wulff facet family {hkl} with its surface energy (any unit; only ratios matter). */
export interface SurfaceEnergy {
  hkl: Vec3;
  energy: number;
}

/** A particle shape in the particle frame [Å]. */
export type ShapeSpec =
  | { kind: 'sphere'; radius: number }
  | { kind: 'ellipsoid'; semiAxes: Vec3 }
  | { kind: 'box'; size: Vec3 }
  | { kind: 'cylinder'; radius: number; length: number; axis?: Vec3 }
  | { kind: 'halfSpaces'; planes: { normal: Vec3; distance: number }[] }
  | { kind: 'facets'; planes: FacetPlane[]; families?: boolean }
  | { kind: 'cube'; halfEdge: number }
  | { kind: 'octahedron'; distance: number }
  | { kind: 'truncatedOctahedron'; distance100: number; distance111: number }
  | { kind: 'wulff'; energies: SurfaceEnergy[]; size: number }
  | { kind: 'intersection'; shapes: ShapeSpec[] }
  | { kind: 'decahedron'; shells: number; clip?: ShapeSpec }
  | { kind: 'icosahedron'; shells: number; clip?: ShapeSpec };

/** A compiled volume: membership test and the radius of a sphere about the origin that holds it. */
export interface Volume {
  contains(x: number, y: number, z: number): boolean;
  boundingRadius: number;
}

const SLACK = 1e-9;

/**
 * Compiles a shape for a crystal (needed to turn Miller indices into Cartesian normals).
 *
 * @throws RangeError for non-positive sizes, InputError for planes that enclose no finite volume
 */
export function compileShape(spec: ShapeSpec, crystal: Crystal): Volume {
  switch (spec.kind) {
    case 'sphere': {
      requirePositive('sphere radius', spec.radius, 'Å');
      const r2 = spec.radius * spec.radius;
      return { contains: (x, y, z) => x * x + y * y + z * z <= r2, boundingRadius: spec.radius };
    }
    case 'ellipsoid': {
      const [a, b, c] = spec.semiAxes;
      for (const [i, v] of spec.semiAxes.entries())
        requirePositive(`ellipsoid semi-axis ${i}`, v, 'Å');
      return {
        contains: (x, y, z) => (x / a) ** 2 + (y / b) ** 2 + (z / c) ** 2 <= 1,
        boundingRadius: Math.max(a, b, c),
      };
    }
    case 'box': {
      const [sx, sy, sz] = spec.size.map((s, i) => {
        requirePositive(`box size ${'xyz'[i]}`, s, 'Å');
        return s / 2;
      });
      return {
        contains: (x, y, z) => Math.abs(x) <= sx && Math.abs(y) <= sy && Math.abs(z) <= sz,
        boundingRadius: Math.hypot(sx, sy, sz),
      };
    }
    case 'cylinder': {
      requirePositive('cylinder radius', spec.radius, 'Å');
      requirePositive('cylinder length', spec.length, 'Å');
      const axis = normalize(spec.axis ?? [0, 0, 1]);
      const r2 = spec.radius ** 2;
      const half = spec.length / 2;
      return {
        contains: (x, y, z) => {
          const h = x * axis[0] + y * axis[1] + z * axis[2];
          return Math.abs(h) <= half && x * x + y * y + z * z - h * h <= r2;
        },
        boundingRadius: Math.hypot(spec.radius, half),
      };
    }
    case 'halfSpaces':
    case 'facets':
    case 'cube':
    case 'octahedron':
    case 'truncatedOctahedron':
    case 'wulff':
      return polyhedron(polyhedronPlanes(spec, crystal));
    case 'intersection': {
      if (spec.shapes.length === 0)
        throw new InputError('intersection shape needs at least one shape');
      const parts = spec.shapes.map((s) => compileShape(s, crystal));
      return {
        contains: (x, y, z) => parts.every((p) => p.contains(x, y, z)),
        boundingRadius: Math.min(...parts.map((p) => p.boundingRadius)),
      };
    }
    case 'decahedron':
    case 'icosahedron':
      throw new InputError(
        `shape ${spec.kind} is a multiply twinned particle; build it with buildParticle, not as a volume`,
      );
  }
}

type PolyhedronSpec = Extract<
  ShapeSpec,
  { kind: 'halfSpaces' | 'facets' | 'cube' | 'octahedron' | 'truncatedOctahedron' | 'wulff' }
>;

function polyhedronPlanes(spec: PolyhedronSpec, crystal: Crystal): Plane[] {
  switch (spec.kind) {
    case 'halfSpaces':
      return spec.planes.map((p) => ({ normal: normalize(p.normal), distance: p.distance }));
    case 'facets':
      return facetPlanes(crystal, spec.planes, spec.families ?? true);
    case 'cube':
      requirePositive('cube halfEdge', spec.halfEdge, 'Å');
      // {100}, {010} and {001}: a cube for cubic crystals, a prism for hexagonal and tetragonal.
      return facetPlanes(
        crystal,
        [
          { hkl: [1, 0, 0], distance: spec.halfEdge },
          { hkl: [0, 1, 0], distance: spec.halfEdge },
          { hkl: [0, 0, 1], distance: spec.halfEdge },
        ],
        true,
      );
    case 'octahedron':
      requirePositive('octahedron distance', spec.distance, 'Å');
      return facetPlanes(crystal, [{ hkl: [1, 1, 1], distance: spec.distance }], true);
    case 'truncatedOctahedron':
      requirePositive('truncatedOctahedron distance100', spec.distance100, 'Å');
      requirePositive('truncatedOctahedron distance111', spec.distance111, 'Å');
      return facetPlanes(
        crystal,
        [
          { hkl: [1, 0, 0], distance: spec.distance100 },
          { hkl: [1, 1, 1], distance: spec.distance111 },
        ],
        true,
      );
    case 'wulff':
      return facetPlanes(crystal, wulffPlanes(spec.energies, spec.size), true);
  }
}

/**
 * Geometric volume of a shape [Å³] (the continuum body, not an atom count). Polyhedra are summed
 * as pyramids from the centre over their faces: V = Σ d_i·A_i / 3.
 *
 * @throws InputError for intersections and multiply twinned particles, whose volume is not computed
 */
export function shapeVolume(spec: ShapeSpec, crystal: Crystal): number {
  switch (spec.kind) {
    case 'sphere':
      return (4 / 3) * Math.PI * spec.radius ** 3;
    case 'ellipsoid':
      return (4 / 3) * Math.PI * spec.semiAxes[0] * spec.semiAxes[1] * spec.semiAxes[2];
    case 'box':
      return spec.size[0] * spec.size[1] * spec.size[2];
    case 'cylinder':
      return Math.PI * spec.radius ** 2 * spec.length;
    case 'intersection':
    case 'decahedron':
    case 'icosahedron':
      throw new InputError(`the volume of a ${spec.kind} shape is not computed`);
    default:
      return polyhedronVolume(polyhedronPlanes(spec, crystal));
  }
}

function polyhedronVolume(planes: Plane[]): number {
  polyhedronRadius(planes);
  const vertices = polyhedronVertices(planes);
  let volume = 0;
  for (const plane of planes) {
    const onFace = vertices.filter((v) => Math.abs(dot(plane.normal, v) - plane.distance) < 1e-7);
    if (onFace.length < 3) continue;
    const c = [0, 1, 2].map((k) => onFace.reduce((s, v) => s + v[k], 0) / onFace.length) as Vec3;
    // In-plane axes u, w to order the face's vertices by angle.
    const helper: Vec3 = Math.abs(plane.normal[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
    const u = normalize(cross(plane.normal, helper));
    const w = cross(plane.normal, u);
    const ordered = onFace
      .map((v) => {
        const d: Vec3 = [v[0] - c[0], v[1] - c[1], v[2] - c[2]];
        return { v: d, angle: Math.atan2(dot(d, w), dot(d, u)) };
      })
      .sort((a, b) => a.angle - b.angle);
    let area = 0;
    for (let i = 0; i < ordered.length; i++) {
      area += dot(cross(ordered[i].v, ordered[(i + 1) % ordered.length].v), plane.normal) / 2;
    }
    volume += (plane.distance * Math.abs(area)) / 3;
  }
  return volume;
}

/**
 * Wulff construction: each facet family sits at a distance proportional to its surface energy
 * (G. Wulff, Z. Kristallogr. 34, 449 (1901)); the lowest-energy family at `size` [Å].
 */
export function wulffPlanes(energies: SurfaceEnergy[], size: number): FacetPlane[] {
  requirePositive('wulff size', size, 'Å');
  if (energies.length === 0) throw new InputError('wulff shape needs at least one surface energy');
  for (const e of energies)
    requirePositive(`surface energy of (${e.hkl.join(' ')})`, e.energy, '(any unit)');
  const minEnergy = Math.min(...energies.map((e) => e.energy));
  return energies.map((e) => ({ hkl: e.hkl, distance: (size * e.energy) / minEnergy }));
}

interface Plane {
  normal: Vec3;
  distance: number;
}

/** Cartesian unit normals and distances of facet planes, expanded to families if asked. */
export function facetPlanes(crystal: Crystal, planes: FacetPlane[], families: boolean): Plane[] {
  const group = families ? latticePointGroup(crystal) : null;
  const out: Plane[] = [];
  for (const p of planes) {
    if (p.hkl.every((h) => h === 0)) throw new InputError('facet (000) is not a plane');
    requirePositive(`distance of facet (${p.hkl.join(' ')})`, p.distance, 'Å');
    const n = normalize(planeNormal(crystal, p.hkl));
    const normals = group ? group.map((g) => applyMat3(g, n)) : [n];
    for (const m of normals) {
      const existing = out.find((o) => dot(o.normal, m) > 1 - 1e-9);
      if (existing) existing.distance = Math.min(existing.distance, p.distance);
      else out.push({ normal: m, distance: p.distance });
    }
  }
  return out;
}

function polyhedron(planes: Plane[]): Volume {
  if (planes.length < 4) {
    throw new InputError(
      `${planes.length} planes cannot enclose a finite volume (need at least 4)`,
    );
  }
  const radius = polyhedronRadius(planes);
  const n = planes.length;
  const nx = new Float64Array(planes.map((p) => p.normal[0]));
  const ny = new Float64Array(planes.map((p) => p.normal[1]));
  const nz = new Float64Array(planes.map((p) => p.normal[2]));
  const d = new Float64Array(planes.map((p) => p.distance + SLACK));
  return {
    contains: (x, y, z) => {
      for (let i = 0; i < n; i++) if (nx[i] * x + ny[i] * y + nz[i] * z > d[i]) return false;
      return true;
    },
    boundingRadius: radius,
  };
}

/** Largest vertex distance of the polyhedron ∩ {n_i·x ≤ d_i}; InputError if unbounded. */
function polyhedronRadius(planes: Plane[]): number {
  // Unbounded iff some direction u ≠ 0 has n·u ≤ 0 for every normal; the extreme rays of that
  // cone lie along ±(n_i × n_j).
  for (let i = 0; i < planes.length; i++) {
    for (let j = i + 1; j < planes.length; j++) {
      const c = cross(planes[i].normal, planes[j].normal);
      if (norm(c) < 1e-9) continue;
      for (const sign of [1, -1]) {
        const u = normalize([sign * c[0], sign * c[1], sign * c[2]]);
        if (!planes.some((p) => dot(p.normal, u) > 1e-9)) {
          throw new InputError(
            `facet planes do not enclose a finite volume (open towards [${u.map((v) => v.toFixed(2)).join(', ')}])`,
          );
        }
      }
    }
  }
  let best = 0;
  for (const v of polyhedronVertices(planes)) best = Math.max(best, norm(v));
  if (best === 0) throw new InputError('facet planes enclose no volume');
  return best;
}

/** Distinct vertices of the polyhedron ∩ {n_i·x ≤ d_i}. */
function polyhedronVertices(planes: Plane[]): Vec3[] {
  const out: Vec3[] = [];
  for (let i = 0; i < planes.length; i++) {
    for (let j = i + 1; j < planes.length; j++) {
      const cij = cross(planes[i].normal, planes[j].normal);
      for (let k = j + 1; k < planes.length; k++) {
        const det = dot(cij, planes[k].normal);
        if (Math.abs(det) < 1e-12) continue;
        const v = vertex(planes[i], planes[j], planes[k], det);
        if (!planes.every((p) => dot(p.normal, v) <= p.distance + 1e-7)) continue;
        if (!out.some((o) => Math.hypot(o[0] - v[0], o[1] - v[1], o[2] - v[2]) < 1e-9)) out.push(v);
      }
    }
  }
  return out;
}

function vertex(a: Plane, b: Plane, c: Plane, det: number): Vec3 {
  const bc = cross(b.normal, c.normal);
  const ca = cross(c.normal, a.normal);
  const ab = cross(a.normal, b.normal);
  return [0, 1, 2].map(
    (i) => (a.distance * bc[i] + b.distance * ca[i] + c.distance * ab[i]) / det,
  ) as Vec3;
}
