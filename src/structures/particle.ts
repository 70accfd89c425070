/**
 * Particles: a crystal carved by a shape, with planar defects, rotated into the lab frame.
 *
 * Defects are applied as domains: each domain is the perfect crystal moved by an isometry and
 * bounded by the defect planes; atoms are generated per domain inside the shape's bounding sphere,
 * so the cost is proportional to the particle's atom count times the number of domains.
 */
import { elementSymbol } from '../core/elements.js';
import { InputError } from '../core/errors.js';
import { type AtomList, atomsInSphere, type Crystal, latticeMatrix } from './crystal.js';
import { type PlanarDefect, type ResolvedDefect, resolveDefect } from './defects.js';
import { applyMat3, dot, identity3, type Mat3, mulMat3, transpose3, type Vec3 } from './linalg.js';
import { buildMultiplyTwinned } from './mtp.js';
import { compileShape, type ShapeSpec } from './shapes.js';

/** Everything that defines one particle (JSON-serialisable, stored in scene metadata). */
export interface ParticleSpec {
  /** Shape in the particle frame [Å]. */
  shape: ShapeSpec;
  /** Planar defects, applied from the highest plane down when the planes are parallel. */
  defects?: PlanarDefect[];
  /** Rotation from the particle (crystal) frame to the lab frame, row-major. Default identity. */
  rotation?: Mat3;
  /** Fractional coordinates of the crystal point at the particle centre. Default: site 0. */
  centerFrac?: Vec3;
}

/** A built particle: atoms in the lab frame centred on the particle centre [Å]. */
export interface Particle extends AtomList {
  /** Radius of a sphere about the centre that holds every atom [Å]. */
  boundingRadius: number;
}

interface Domain {
  rotation: Mat3;
  translation: Vec3;
  /** Half-spaces: sign · (n·x − h) ≥ 0. */
  bounds: { normal: Vec3; height: number; sign: 1 | -1 }[];
}

/**
 * Builds a particle.
 *
 * @throws InputError if the shape leaves no atoms, or a defect does not fit the structure
 */
export function buildParticle(crystal: Crystal, spec: ParticleSpec): Particle {
  const rotation = spec.rotation ?? identity3();
  let atoms: AtomList;
  if (spec.shape.kind === 'decahedron' || spec.shape.kind === 'icosahedron') {
    if (spec.defects && spec.defects.length > 0) {
      throw new InputError(
        `planar defects cannot be added to a ${spec.shape.kind}: it is already twinned`,
      );
    }
    atoms = buildMultiplyTwinned(crystal, spec.shape);
  } else {
    atoms = carve(crystal, spec);
  }
  if (atoms.numbers.length === 0) {
    throw new InputError(
      `shape ${JSON.stringify(spec.shape)} leaves no atoms of ${crystal.name}; make it larger than the nearest-neighbour distance`,
    );
  }
  const p = atoms.positions;
  let r2 = 0;
  for (let i = 0; i < p.length; i += 3) {
    const v = applyMat3(rotation, [p[i], p[i + 1], p[i + 2]]);
    p[i] = v[0];
    p[i + 1] = v[1];
    p[i + 2] = v[2];
    r2 = Math.max(r2, v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  }
  return { ...atoms, boundingRadius: Math.sqrt(r2) };
}

function carve(crystal: Crystal, spec: ParticleSpec): AtomList {
  const volume = compileShape(spec.shape, crystal);
  const centerFrac = spec.centerFrac ?? crystal.sites[0].frac;
  const center = applyMat3(latticeMatrix(crystal), centerFrac);
  const resolved = orderDefects(
    (spec.defects ?? []).map((d) => resolveDefect(crystal, d, centerFrac)),
  );
  const domains = splitDomains(resolved, volume.boundingRadius);
  const radius = volume.boundingRadius + 1e-6;
  const numbers: number[] = [];
  const positions: number[] = [];
  for (const domain of domains) {
    // Perfect-crystal points q (particle frame) with |R q + t| ≤ radius lie within radius of −Rᵀt.
    const back = applyMat3(transpose3(domain.rotation), domain.translation);
    const perfect = atomsInSphere(
      crystal,
      [center[0] - back[0], center[1] - back[1], center[2] - back[2]],
      radius,
    );
    const q = perfect.positions;
    const m = domain.rotation;
    const t = domain.translation;
    for (let i = 0; i < perfect.numbers.length; i++) {
      const x0 = q[3 * i] - center[0];
      const y0 = q[3 * i + 1] - center[1];
      const z0 = q[3 * i + 2] - center[2];
      const x = m[0] * x0 + m[1] * y0 + m[2] * z0 + t[0];
      const y = m[3] * x0 + m[4] * y0 + m[5] * z0 + t[1];
      const z = m[6] * x0 + m[7] * y0 + m[8] * z0 + t[2];
      if (!volume.contains(x, y, z)) continue;
      let inside = true;
      for (const b of domain.bounds) {
        const s = b.normal[0] * x + b.normal[1] * y + b.normal[2] * z - b.height;
        if (b.sign > 0 ? s < 0 : s >= 0) {
          inside = false;
          break;
        }
      }
      if (!inside) continue;
      numbers.push(perfect.numbers[i]);
      positions.push(x, y, z);
    }
  }
  return { numbers, positions };
}

/** Parallel defects go from the highest plane down, so that each acts on perfect crystal. */
function orderDefects(defects: ResolvedDefect[]): ResolvedDefect[] {
  if (defects.length < 2) return defects;
  const n0 = defects[0].normal;
  if (!defects.every((d) => dot(d.normal, n0) > 1 - 1e-9)) return defects;
  return [...defects].sort((a, b) => b.height - a.height);
}

function splitDomains(defects: ResolvedDefect[], radius: number): Domain[] {
  let domains: Domain[] = [{ rotation: identity3(), translation: [0, 0, 0], bounds: [] }];
  for (const d of defects) {
    if (Math.abs(d.height) > radius) continue;
    const next: Domain[] = [];
    for (const dom of domains) {
      next.push({
        ...dom,
        bounds: [...dom.bounds, { normal: d.normal, height: d.height, sign: -1 }],
      });
      const rotation = mulMat3(d.rotation, dom.rotation);
      const rt = applyMat3(d.rotation, dom.translation);
      next.push({
        rotation,
        translation: [rt[0] + d.translation[0], rt[1] + d.translation[1], rt[2] + d.translation[2]],
        bounds: [...dom.bounds, { normal: d.normal, height: d.height, sign: 1 }],
      });
    }
    domains = next.filter((dom) => feasible(dom.bounds));
  }
  return domains;
}

/** False when two parallel half-spaces leave an empty slab. */
function feasible(bounds: Domain['bounds']): boolean {
  for (let i = 0; i < bounds.length; i++) {
    for (let j = i + 1; j < bounds.length; j++) {
      const c = dot(bounds[i].normal, bounds[j].normal);
      if (c > 1 - 1e-9 && bounds[i].sign !== bounds[j].sign) {
        const lower = bounds[i].sign > 0 ? bounds[i] : bounds[j];
        const upper = bounds[i].sign > 0 ? bounds[j] : bounds[i];
        if (lower.height >= upper.height) return false;
      }
    }
  }
  return true;
}

/** The elements of a particle, for metadata: symbol → count. */
export function composition(atoms: AtomList): Record<string, number> {
  const counts = new Map<number, number>();
  for (const z of atoms.numbers) counts.set(z, (counts.get(z) ?? 0) + 1);
  return Object.fromEntries(
    [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([z, n]) => [elementSymbol(z), n]),
  );
}
