/**
 * Crystals: a lattice (a, b, c [Å], α, β, γ [degrees]) and a basis of sites with fractional
 * coordinates. The Cartesian crystal frame puts a along +x and b in the xy plane (the convention
 * of the International Tables and of ASE's `cellpar_to_cell`). Symmetry operations in the
 * "x, y+1/2, -z" notation of CIF files expand an asymmetric unit to the full cell.
 */
import { atomicNumber, elementSymbol } from '../core/elements.js';
import { InputError, requirePositive } from '../core/errors.js';
import {
  applyMat3,
  det3,
  fromColumns,
  invert3,
  type Mat3,
  mulMat3,
  norm,
  transpose3,
  type Vec3,
} from './linalg.js';

/** Lattice parameters: lengths [Å], angles [degrees]. */
export interface LatticeParameters {
  a: number;
  b: number;
  c: number;
  alphaDeg: number;
  betaDeg: number;
  gammaDeg: number;
}

/** One atom of the basis: element symbol and fractional coordinates. */
export interface Site {
  element: string;
  frac: Vec3;
}

/**
 * Structure families that the defect and multiply-twinned-particle builders understand; `custom`
 * for anything else (a CIF file).
 */
export type StructureType =
  | 'fcc'
  | 'bcc'
  | 'diamond'
  | 'zincblende'
  | 'wurtzite'
  | 'spinel'
  | 'rutile'
  | 'custom';

/** A crystal: lattice plus full basis (all atoms of the cell, symmetry already applied). */
export interface Crystal {
  name: string;
  lattice: LatticeParameters;
  sites: Site[];
  structureType: StructureType;
}

/** A space-group operation on fractional coordinates: x' = rotation·x + translation. */
export interface SymmetryOperation {
  rotation: Mat3;
  translation: Vec3;
}

const DEG = Math.PI / 180;

/**
 * Validates a crystal: positive lengths, angles that make a proper cell, known elements, at least
 * one site. Fractional coordinates are wrapped into [0, 1).
 *
 * @throws RangeError for bad lattice numbers, InputError for unknown elements or an empty basis
 */
export function createCrystal(
  name: string,
  lattice: LatticeParameters,
  sites: Site[],
  structureType: StructureType = 'custom',
): Crystal {
  for (const key of ['a', 'b', 'c'] as const) requirePositive(`lattice ${key}`, lattice[key], 'Å');
  for (const key of ['alphaDeg', 'betaDeg', 'gammaDeg'] as const) {
    const v = lattice[key];
    if (!(v > 0 && v < 180)) {
      throw new RangeError(`lattice ${key} must be in (0, 180) degrees, got ${v}`);
    }
  }
  const m = latticeMatrixOf(lattice);
  if (!(det3(m) > 1e-6)) {
    throw new RangeError(
      `lattice angles α=${lattice.alphaDeg}°, β=${lattice.betaDeg}°, γ=${lattice.gammaDeg}° do not form a cell`,
    );
  }
  if (sites.length === 0) throw new InputError(`crystal "${name}" has no atoms in its basis`);
  const checked = sites.map((s) => {
    atomicNumber(s.element);
    if (!s.frac.every(Number.isFinite)) {
      throw new RangeError(`site ${s.element} of "${name}" has non-finite coordinates`);
    }
    return { element: elementSymbol(atomicNumber(s.element)), frac: s.frac.map(wrap01) as Vec3 };
  });
  return { name, lattice: { ...lattice }, sites: checked, structureType };
}

function wrap01(x: number): number {
  const w = x - Math.floor(x);
  return w >= 1 - 1e-12 ? 0 : w;
}

function latticeMatrixOf(p: LatticeParameters): Mat3 {
  const ca = Math.cos(p.alphaDeg * DEG);
  const cb = Math.cos(p.betaDeg * DEG);
  const cg = Math.cos(p.gammaDeg * DEG);
  const sg = Math.sin(p.gammaDeg * DEG);
  const cy = (ca - cb * cg) / sg;
  const cz = Math.sqrt(Math.max(0, 1 - cb * cb - cy * cy));
  // Exact zeros for right angles keep cubic coordinates free of 1e-16 noise.
  const clean = (x: number) => (Math.abs(x) < 1e-14 ? 0 : x);
  return fromColumns(
    [p.a, 0, 0],
    [clean(p.b * cg), p.b * sg, 0],
    [clean(p.c * cb), clean(p.c * cy), p.c * cz],
  );
}

/** Lattice matrix L [Å] with the cell vectors a, b, c as columns: Cartesian = L · fractional. */
export function latticeMatrix(crystal: Crystal): Mat3 {
  return latticeMatrixOf(crystal.lattice);
}

/** Cell volume [Å³]. */
export function cellVolume(crystal: Crystal): number {
  return det3(latticeMatrix(crystal));
}

/** Number density of atoms [1/Å³]. */
export function numberDensity(crystal: Crystal): number {
  return crystal.sites.length / cellVolume(crystal);
}

/** Cartesian direction [Å] of the lattice vector [uvw]. */
export function directionVector(crystal: Crystal, uvw: Vec3): Vec3 {
  return applyMat3(latticeMatrix(crystal), uvw);
}

/**
 * Cartesian normal of the plane (hkl): h a* + k b* + l c* [1/Å] (reciprocal vectors without 2π),
 * whose length is 1/d_hkl.
 */
export function planeNormal(crystal: Crystal, hkl: Vec3): Vec3 {
  return applyMat3(transpose3(invert3(latticeMatrix(crystal))), hkl);
}

/** Interplanar spacing d_hkl [Å]. */
export function planeSpacing(crystal: Crystal, hkl: Vec3): number {
  return 1 / norm(planeNormal(crystal, hkl));
}

/**
 * The rotations of the lattice's holohedry (the point group of the lattice, e.g. 48 for cubic, 24
 * for hexagonal) as Cartesian matrices. Used to expand a facet (hkl) to its family {hkl}; for
 * polar or lower-symmetry crystals this is the lattice's symmetry, not the structure's.
 */
export function latticePointGroup(crystal: Crystal): Mat3[] {
  const key = JSON.stringify(crystal.lattice);
  let group = pointGroupCache.get(key);
  if (!group) {
    group = computePointGroup(latticeMatrix(crystal));
    pointGroupCache.set(key, group);
  }
  return group.map((m) => [...m] as Mat3);
}

const pointGroupCache = new Map<string, Mat3[]>();

function computePointGroup(l: Mat3): Mat3[] {
  const li = invert3(l);
  const g = mulMat3(transpose3(l), l);
  const scale = Math.max(...g.map(Math.abs));
  const result: Mat3[] = [];
  const m = new Array(9).fill(0) as Mat3;
  for (let code = 0; code < 19683; code++) {
    let c = code;
    for (let i = 0; i < 9; i++) {
      m[i] = (c % 3) - 1;
      c = Math.floor(c / 3);
    }
    if (Math.abs(Math.abs(det3(m)) - 1) > 1e-9) continue;
    const gm = mulMat3(transpose3(m), mulMat3(g, m));
    if (gm.every((v, i) => Math.abs(v - g[i]) < 1e-9 * scale)) {
      result.push(mulMat3(l, mulMat3(m, li)));
    }
  }
  return result;
}

/**
 * Parses one symmetry operation written as in CIF files, e.g. "x,y,z", "-y+1/2, x-y, z+0.25",
 * "1/2+X,-Y,Z".
 *
 * @throws InputError naming the operation if it cannot be read
 */
export function parseSymmetryOperation(text: string): SymmetryOperation {
  const parts = text
    .replace(/['"\s]/g, '')
    .toLowerCase()
    .split(',');
  if (parts.length !== 3) {
    throw new InputError(`symmetry operation "${text}" must have three comma-separated parts`);
  }
  const rotation = new Array(9).fill(0) as Mat3;
  const translation: Vec3 = [0, 0, 0];
  parts.forEach((part, row) => {
    const term = /([+-]?)(\d+(?:\.\d*)?(?:\/\d+(?:\.\d*)?)?)?\*?([xyz])?/y;
    let pos = 0;
    if (part.length === 0) throw new InputError(`symmetry operation "${text}" has an empty part`);
    while (pos < part.length) {
      term.lastIndex = pos;
      const m = term.exec(part);
      if (!m || m[0].length === 0 || (m[2] === undefined && m[3] === undefined)) {
        throw new InputError(`cannot read symmetry operation "${text}" at "${part.slice(pos)}"`);
      }
      const sign = m[1] === '-' ? -1 : 1;
      let value = 1;
      if (m[2] !== undefined) {
        const [num, den] = m[2].split('/');
        value = Number(num) / (den === undefined ? 1 : Number(den));
      }
      if (m[3] !== undefined) rotation[3 * row + 'xyz'.indexOf(m[3])] += sign * value;
      else translation[row] += sign * value;
      pos += m[0].length;
    }
  });
  return { rotation, translation };
}

/**
 * Applies symmetry operations to an asymmetric unit and removes duplicates (same element within
 * `toleranceA` across periodic images).
 *
 * @param toleranceA merge distance [Å], default 0.01 Å
 */
export function expandSymmetry(
  lattice: LatticeParameters,
  asymmetric: Site[],
  operations: SymmetryOperation[],
  toleranceA = 0.01,
): Site[] {
  const l = latticeMatrixOf(lattice);
  const out: Site[] = [];
  for (const site of asymmetric) {
    for (const op of operations) {
      const f = applyMat3(op.rotation, site.frac).map((x, i) =>
        wrap01(x + op.translation[i]),
      ) as Vec3;
      const duplicate = out.some((o) => {
        if (o.element !== site.element) return false;
        const d = o.frac.map((x, i) => {
          const t = x - f[i];
          return t - Math.round(t);
        }) as Vec3;
        return norm(applyMat3(l, d)) < toleranceA;
      });
      if (!duplicate) out.push({ element: site.element, frac: f });
    }
  }
  return out;
}

/** Atoms as growable lists: atomic numbers and interleaved Cartesian positions [Å]. */
export interface AtomList {
  numbers: number[];
  positions: number[];
}

/**
 * Every atom of the infinite crystal inside a sphere, in crystal-frame Cartesian coordinates [Å].
 *
 * @param center sphere centre [Å], crystal frame
 * @param radius sphere radius [Å]
 */
export function atomsInSphere(crystal: Crystal, center: Vec3, radius: number): AtomList {
  const l = latticeMatrix(crystal);
  const li = invert3(l);
  const fc = applyMat3(li, center);
  const lo: number[] = [];
  const hi: number[] = [];
  for (let i = 0; i < 3; i++) {
    const reach = radius * norm([li[3 * i], li[3 * i + 1], li[3 * i + 2]]);
    lo.push(Math.floor(fc[i] - reach) - 1);
    hi.push(Math.ceil(fc[i] + reach) + 1);
  }
  const basis = crystal.sites.map((s) => applyMat3(l, s.frac));
  const zs = crystal.sites.map((s) => atomicNumber(s.element));
  const r2 = radius * radius;
  const numbers: number[] = [];
  const positions: number[] = [];
  for (let i = lo[0]; i <= hi[0]; i++) {
    for (let j = lo[1]; j <= hi[1]; j++) {
      for (let k = lo[2]; k <= hi[2]; k++) {
        const ox = l[0] * i + l[1] * j + l[2] * k;
        const oy = l[3] * i + l[4] * j + l[5] * k;
        const oz = l[6] * i + l[7] * j + l[8] * k;
        for (let s = 0; s < basis.length; s++) {
          const x = ox + basis[s][0];
          const y = oy + basis[s][1];
          const z = oz + basis[s][2];
          const dx = x - center[0];
          const dy = y - center[1];
          const dz = z - center[2];
          if (dx * dx + dy * dy + dz * dz <= r2) {
            numbers.push(zs[s]);
            positions.push(x, y, z);
          }
        }
      }
    }
  }
  return { numbers, positions };
}
