/**
 * Planar defects: twin boundaries and stacking faults on the close-packed planes ({111} of fcc,
 * diamond and zincblende; the basal plane (0001) of wurtzite).
 *
 * A defect splits space at a plane n·x = h. Atoms below keep the perfect crystal; atoms above are
 * the perfect crystal moved by an isometry T:
 * - twin: T = rotation by π about the plane normal through an atom of that plane, which maps the
 *   plane onto itself and swaps the B and C stacking positions above it (ABCABC → ABCBAC…); for
 *   fcc this equals the mirror twin, for zincblende it keeps the polarity (the ortho twin).
 * - stacking fault: T = translation by a Shockley partial (the in-plane step between adjacent
 *   close-packed layers of one species) across the narrow gap between layers, so that bonds across
 *   the plane keep their lengths: an intrinsic fault in fcc (ABCABC → ABCBCA), the I2 fault of
 *   wurtzite (ABAB → ABCACA).
 * Twins on the wurtzite basal plane are not offered: the rotation is a symmetry of the hexagonal
 * stacking and a mirror would put anions on top of anions.
 */
import { atomicNumber } from '../core/elements.js';
import { InputError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import {
  atomsInSphere,
  type Crystal,
  latticeMatrix,
  planeNormal,
  planeSpacing,
} from './crystal.js';
import {
  applyMat3,
  axisAngleRotation,
  dot,
  identity3,
  type Mat3,
  normalize,
  type Vec3,
} from './linalg.js';

/** A planar defect: kind, plane (hkl) and which layer (integer, 0 = at the particle centre). */
export interface PlanarDefect {
  kind: 'twin' | 'stackingFault';
  hkl: Vec3;
  layer: number;
}

/** A defect in the particle frame: atoms with n·x ≥ height are moved by x → R·x + t. */
export interface ResolvedDefect {
  normal: Vec3;
  height: number;
  rotation: Mat3;
  translation: Vec3;
}

/** Whether the crystal's structure family supports the defect kind. */
export function supportsDefect(crystal: Crystal, kind: PlanarDefect['kind']): boolean {
  const t = crystal.structureType;
  return (
    t === 'fcc' ||
    t === 'diamond' ||
    t === 'zincblende' ||
    (t === 'wurtzite' && kind === 'stackingFault')
  );
}

/** The close-packed plane normals (hkl) on which defects can sit, one per ± pair. */
export function defectPlanes(crystal: Crystal, kind: PlanarDefect['kind']): Vec3[] {
  const t = crystal.structureType;
  if (t === 'fcc' || t === 'diamond' || t === 'zincblende') {
    return [
      [1, 1, 1],
      [-1, 1, 1],
      [1, -1, 1],
      [1, 1, -1],
    ];
  }
  if (t === 'wurtzite' && kind === 'stackingFault') return [[0, 0, 1]];
  const what = kind === 'twin' ? 'twin boundaries' : 'stacking faults';
  const where =
    kind === 'twin'
      ? 'fcc, diamond and zincblende {111}'
      : 'fcc, diamond and zincblende {111} and the wurtzite basal plane';
  throw new InputError(`${what} are supported on ${where}; material "${crystal.name}" is ${t}`);
}

function checkPlane(crystal: Crystal, defect: PlanarDefect): void {
  const allowed = defectPlanes(crystal, defect.kind);
  const ok = allowed.some(
    (p) => p.every((v, i) => v === defect.hkl[i]) || p.every((v, i) => v === -defect.hkl[i]),
  );
  if (!ok) {
    throw new InputError(
      `${defect.kind} plane (${defect.hkl.join(' ')}) of "${crystal.name}" must be one of ${allowed.map((p) => `(${p.join(' ')})`).join(', ')}`,
    );
  }
  if (!Number.isInteger(defect.layer)) {
    throw new RangeError(`${defect.kind} layer must be an integer, got ${defect.layer}`);
  }
}

interface LayerGeometry {
  normal: Vec3;
  period: number;
  /** Height [Å] of the reference atom (site 0) in the particle frame. */
  base: number;
  /** Reference atom (site 0) position in the particle frame [Å]. */
  site0: Vec3;
  /** Smallest step between layers of the site-0 species [Å] and the vector to such a neighbour. */
  step: number;
  stepVector: Vec3;
  /** Midpoints of the narrowest gaps between atomic layers, relative to base, in [0, period). */
  cuts: number[];
}

function layerGeometry(crystal: Crystal, hkl: Vec3, centerFrac: Vec3): LayerGeometry {
  const l = latticeMatrix(crystal);
  const normal = normalize(planeNormal(crystal, hkl));
  const period = planeSpacing(crystal, hkl);
  const center = applyMat3(l, centerFrac);
  const s0abs = applyMat3(l, crystal.sites[0].frac);
  const site0: Vec3 = [s0abs[0] - center[0], s0abs[1] - center[1], s0abs[2] - center[2]];
  const base = dot(normal, site0);

  const rel = crystal.sites
    .map((s) => {
      const h = dot(normal, applyMat3(l, s.frac)) - dot(normal, s0abs);
      return ((h % period) + period) % period;
    })
    .map((h) => (h > period - 1e-6 ? 0 : h))
    .sort((a, b) => a - b);
  const unique = rel.filter((h, i) => i === 0 || h - rel[i - 1] > 1e-6);
  const gaps = unique.map((h, i) => ({
    start: h,
    size: (i + 1 < unique.length ? unique[i + 1] : unique[0] + period) - h,
  }));
  const narrow = Math.min(...gaps.map((g) => g.size));
  const cuts = gaps
    .filter((g) => g.size < narrow + 1e-6)
    .map((g) => (g.start + g.size / 2) % period)
    .sort((a, b) => a - b);

  const z0 = atomicNumber(crystal.sites[0].element);
  const reach = 2.5 * Math.max(crystal.lattice.a, crystal.lattice.b, crystal.lattice.c);
  const near = atomsInSphere(crystal, s0abs, reach);
  let step = Infinity;
  let stepVector: Vec3 = [0, 0, 0];
  let stepLength = Infinity;
  for (let i = 0; i < near.numbers.length; i++) {
    if (near.numbers[i] !== z0) continue;
    const v: Vec3 = [
      near.positions[3 * i] - s0abs[0],
      near.positions[3 * i + 1] - s0abs[1],
      near.positions[3 * i + 2] - s0abs[2],
    ];
    const h = dot(normal, v);
    if (h < 1e-6) continue;
    const len = Math.hypot(...v);
    if (h < step - 1e-6 || (Math.abs(h - step) <= 1e-6 && len < stepLength - 1e-9)) {
      step = h;
      stepVector = v;
      stepLength = len;
    }
  }
  return { normal, period, base, site0, step, stepVector, cuts };
}

/**
 * Turns a defect into the plane and isometry that act in the particle frame.
 *
 * @param centerFrac fractional coordinates of the crystal point at the particle centre
 * @throws InputError for a structure or plane that does not support the defect
 */
export function resolveDefect(
  crystal: Crystal,
  defect: PlanarDefect,
  centerFrac: Vec3,
): ResolvedDefect {
  checkPlane(crystal, defect);
  const g = layerGeometry(crystal, defect.hkl, centerFrac);
  if (defect.kind === 'twin') {
    const axisPoint: Vec3 = [0, 1, 2].map(
      (i) => g.site0[i] + defect.layer * g.stepVector[i],
    ) as Vec3;
    const rotation = axisAngleRotation(g.normal, Math.PI);
    const ra = applyMat3(rotation, axisPoint);
    return {
      normal: g.normal,
      // Just below the plane of atoms, so that plane belongs to the rotated side (it maps to itself).
      height: dot(g.normal, axisPoint) - 0.05 * g.step,
      rotation,
      translation: [axisPoint[0] - ra[0], axisPoint[1] - ra[1], axisPoint[2] - ra[2]],
    };
  }
  const nCuts = g.cuts.length;
  const cycle = Math.floor(defect.layer / nCuts);
  const height = g.base + cycle * g.period + g.cuts[defect.layer - cycle * nCuts];
  return {
    normal: g.normal,
    height,
    rotation: identity3(),
    translation: partialShift(crystal, g, height, centerFrac),
  };
}

/** In-plane vector from a site-0-species atom just below the cut to its nearest one just above. */
function partialShift(crystal: Crystal, g: LayerGeometry, height: number, centerFrac: Vec3): Vec3 {
  const l = latticeMatrix(crystal);
  const center = applyMat3(l, centerFrac);
  const n = g.normal;
  const point: Vec3 = [
    center[0] + height * n[0],
    center[1] + height * n[1],
    center[2] + height * n[2],
  ];
  const z0 = atomicNumber(crystal.sites[0].element);
  const near = atomsInSphere(
    crystal,
    point,
    2.5 * Math.max(crystal.lattice.a, crystal.lattice.b, crystal.lattice.c),
  );
  const hOf = (i: number) =>
    n[0] * (near.positions[3 * i] - center[0]) +
    n[1] * (near.positions[3 * i + 1] - center[1]) +
    n[2] * (near.positions[3 * i + 2] - center[2]);
  let below = -1;
  let belowH = -Infinity;
  let above: number[] = [];
  let aboveH = Infinity;
  for (let i = 0; i < near.numbers.length; i++) {
    if (near.numbers[i] !== z0) continue;
    const h = hOf(i);
    if (h < height && h > belowH + 1e-6) {
      belowH = h;
      below = i;
    } else if (h > height && h < aboveH - 1e-6) {
      aboveH = h;
      above = [i];
    } else if (h > height && Math.abs(h - aboveH) <= 1e-6) {
      above.push(i);
    }
  }
  let best: Vec3 = [0, 0, 0];
  let bestLength = Infinity;
  for (const j of above) {
    const v: Vec3 = [0, 1, 2].map(
      (k) => near.positions[3 * j + k] - near.positions[3 * below + k],
    ) as Vec3;
    const h = dot(v, n);
    const inPlane: Vec3 = [v[0] - h * n[0], v[1] - h * n[1], v[2] - h * n[2]];
    const len = Math.hypot(...inPlane);
    if (len < bestLength - 1e-9) {
      bestLength = len;
      best = inPlane;
    }
  }
  return best;
}

/** Distance between successive defect positions (layers) along the plane normal [Å]. */
export function defectLayerSpacing(crystal: Crystal, defect: Omit<PlanarDefect, 'layer'>): number {
  checkPlane(crystal, { ...defect, layer: 0 });
  const g = layerGeometry(crystal, defect.hkl, [0, 0, 0]);
  return defect.kind === 'twin' ? g.step : g.period / g.cuts.length;
}

/**
 * Draws defects at random layers within `maxHeight` [Å] of the centre: all on one plane family
 * member (parallel defects, as in real nanocrystals), at distinct layers.
 *
 * @param counts numbers of twins and stacking faults
 * @param maxHeight largest |height| of a defect plane from the particle centre [Å]
 */
export function randomDefects(
  crystal: Crystal,
  counts: { twins: number; stackingFaults: number },
  maxHeight: number,
  rng: Rng,
): PlanarDefect[] {
  const total = counts.twins + counts.stackingFaults;
  if (total === 0) return [];
  const kinds: PlanarDefect['kind'][] = [
    ...Array<PlanarDefect['kind']>(counts.twins).fill('twin'),
    ...Array<PlanarDefect['kind']>(counts.stackingFaults).fill('stackingFault'),
  ];
  const planes = defectPlanes(crystal, counts.twins > 0 ? 'twin' : 'stackingFault');
  const hkl = planes[rng.int(planes.length)];
  const used = new Set<number>();
  const defects: PlanarDefect[] = [];
  for (const kind of kinds) {
    const spacing = defectLayerSpacing(crystal, { kind, hkl });
    const maxLayer = Math.max(0, Math.floor(maxHeight / spacing));
    // Layers of twins and faults are not the same planes; keep them apart by height.
    let layer = 0;
    for (let attempt = 0; attempt < 100; attempt++) {
      layer = rng.int(2 * maxLayer + 1) - maxLayer;
      if (!used.has(Math.round((layer * spacing) / 0.5))) break;
    }
    used.add(Math.round((layer * spacing) / 0.5));
    defects.push({ kind, hkl: [...hkl] as Vec3, layer });
  }
  return defects;
}
