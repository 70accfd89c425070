/**
 * Random scenes from a specification of distributions: a crystalline particle population (material,
 * size, shape, defects, orientation) on an amorphous film, in a cell periodic in x and y.
 *
 * Layout along z (the beam goes +z): `vacuum` Å of empty space, the particles, the film whose
 * upper face is at `filmTop`, and `vacuum` Å below it. Each particle rests on the film, pressed into
 * it by `embed` Å (or floating `−embed` Å above it when negative); the film atoms closer than
 * `clearance` to a particle atom are removed (the particle has priority).
 *
 * Defect counts are drawn for every particle; materials whose structure does not support a defect
 * kind get none, with a `defects-unsupported` warning. Multiply twinned particles get no planar
 * defects. For decahedra and icosahedra the particle frame has the five-fold axis along z, so the
 * zone axis [001] looks down it.
 *
 * Every random choice goes into the scene's metadata, and `sampleScene(spec, new Rng(seed))`
 * regenerates the scene exactly.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { Atoms } from '../core/atoms.js';
import { InputError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { amorphousFilm } from './amorphous.js';
import { readCif, type StructureWarning } from './cif.js';
import type { Crystal } from './crystal.js';
import { type PlanarDefect, randomDefects, supportsDefect } from './defects.js';
import { type Mat3, mulMat3, randomRotation, type Vec3 } from './linalg.js';
import { material } from './materials.js';
import { randomTilt, zoneAxisRotation } from './orientation.js';
import { buildParticle, composition } from './particle.js';
import { composeScene, placeDiscs, type SceneObject } from './scene.js';
import { type ShapeSpec, shapeVolume } from './shapes.js';

const range = (what: string, check: z.ZodNumber) =>
  z
    .union([check, z.tuple([check, check])])
    .transform((v) => (typeof v === 'number' ? ([v, v] as [number, number]) : v))
    .refine((v) => v[0] <= v[1], { message: `${what} range must be [min, max] with min ≤ max` });

const intRange = (what: string) => range(what, z.number().int().nonnegative());
const lengthRange = (what: string) => range(what, z.number().nonnegative());

const Miller = z.tuple([z.number().int(), z.number().int(), z.number().int()]);

const MaterialSchema = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1).optional(),
    cif: z.string().min(1).optional(),
    weight: z.number().positive().default(1),
  }),
]);

const SHAPE_NAMES = [
  'sphere',
  'ellipsoid',
  'cylinder',
  'cube',
  'octahedron',
  'truncatedOctahedron',
  'wulff',
  'decahedron',
  'icosahedron',
] as const;

/** Names of the shapes a spec can weight. */
export type ShapeName = (typeof SHAPE_NAMES)[number];

const OrientationSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('random') }),
  z.strictObject({
    mode: z.literal('zoneAxis'),
    /** Zone axes [uvw] to choose from uniformly. */
    axes: z.array(Miller).min(1),
    /** Standard deviation of the random tilt components [rad]. */
    tiltStd: z.number().nonnegative().default(0),
    /** Turn about the beam uniformly at random (default true). */
    randomInPlane: z.boolean().default(true),
  }),
]);

/** The zod schema of a structure specification (lengths in Å, angles in rad). */
export const StructureSpecSchema = z.strictObject({
  /** Lateral cell size [Å]. */
  cell: z.strictObject({ x: z.number().positive(), y: z.number().positive() }),
  /** Empty space above the particles and below the film [Å]. */
  vacuum: z.number().nonnegative().default(5),
  /** Distance under which a particle removes film atoms [Å]. */
  clearance: z.number().positive().default(2),
  substrate: z
    .strictObject({
      element: z.string().default('C'),
      /** Number density [atoms/Å³]. */
      density: z.number().positive().default(0.11),
      /** Minimum interatomic distance [Å]. */
      minDistance: z.number().positive().default(1.4),
      /** Film thickness range [Å]. */
      thickness: lengthRange('substrate thickness').default([20, 80]),
    })
    .nullable()
    .default({ element: 'C', density: 0.11, minDistance: 1.4, thickness: [20, 80] }),
  particles: z.strictObject({
    /** Particles per scene. */
    count: intRange('particle count').default([1, 1]),
    /** Minimum edge-to-edge distance between particles in the xy plane [Å]. */
    minSeparation: z.number().nonnegative().default(10),
    materials: z.array(MaterialSchema).min(1),
    /** Particle radius range [Å]; for faceted shapes the radius of the sphere of equal volume. */
    radius: lengthRange('particle radius'),
    /** Relative weights of the shapes. */
    shapes: z.partialRecord(z.enum(SHAPE_NAMES), z.number().nonnegative()).default({ sphere: 1 }),
    /** Axis ratio range of ellipsoids and cylinders. */
    aspect: lengthRange('aspect').default([0.7, 1.3]),
    /** Surface energies for the Wulff shape (relative). */
    wulffEnergies: z
      .array(z.strictObject({ hkl: Miller, energy: z.number().positive() }))
      .min(1)
      .default([
        { hkl: [1, 1, 1], energy: 1 },
        { hkl: [1, 0, 0], energy: 1.15 },
      ]),
    defects: z
      .strictObject({
        twins: intRange('twin count').default([0, 0]),
        stackingFaults: intRange('stacking fault count').default([0, 0]),
      })
      .default({ twins: [0, 0], stackingFaults: [0, 0] }),
    orientation: OrientationSchema.default({ mode: 'random' }),
    /** Depth by which a particle sinks into the film [Å]; negative values leave a gap above it. */
    embed: range('embed', z.number()).default([0, 2]),
    /** Put a lattice site at the particle centre (true) or a random point of the unit cell. */
    centerOnSite: z.boolean().default(true),
  }),
});

/** A structure specification after defaults. */
export type StructureSpec = z.output<typeof StructureSpecSchema>;
/** A structure specification as written by the user. */
export type StructureSpecInput = z.input<typeof StructureSpecSchema>;

/** What was drawn for one particle. */
export interface ParticleRecord {
  label: number;
  material: string;
  structureType: string;
  radius: number;
  shape: ShapeSpec;
  defects: PlanarDefect[];
  orientation:
    | { mode: 'random'; quaternion: [number, number, number, number] }
    | { mode: 'zoneAxis'; axis: Vec3; inPlaneAngle: number; tilt: [number, number] };
  rotation: Mat3;
  centerFrac: Vec3;
  /** Particle centre in the cell [Å]. */
  center: Vec3;
  embed: number;
  atoms: number;
  composition: Record<string, number>;
}

/** Metadata of a scene: every random choice, the generator seed and the spec. */
export interface SceneMetadata {
  generator: 'hrtem-ood structures';
  rngSeed: number;
  cell: [number, number, number];
  substrate: null | {
    element: string;
    thickness: number;
    z0: number;
    density: number;
    minDistance: number;
    atomsGenerated: number;
    atomsKept: number;
  };
  particles: ParticleRecord[];
  atoms: number;
  spec: StructureSpec;
}

/** Options of `sampleScene`. */
export interface SampleOptions {
  /** Folder that relative CIF paths are resolved against. Default: the working directory. */
  baseDir?: string;
  onWarning?: (warning: StructureWarning) => void;
}

/**
 * Parses and validates a spec object (defaults filled in).
 *
 * @throws InputError listing every problem
 */
export function parseStructureSpec(input: unknown, source = 'spec'): StructureSpec {
  const result = StructureSpecSchema.safeParse(input);
  if (!result.success) throw new InputError(`${source}: ${z.prettifyError(result.error)}`);
  return result.data;
}

/**
 * Reads a YAML or JSON spec file. Errors name the file, line and column of the offending value.
 *
 * @throws InputError for unreadable files, syntax errors and schema violations
 */
export function loadStructureSpec(path: string): StructureSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read structure spec ${path}: ${(error as Error).message}`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const at = lineCounter.linePos(e.pos[0]);
    throw new InputError(`${path}:${at.line}:${at.col}: ${e.message.split('\n')[0]}`);
  }
  const result = StructureSpecSchema.safeParse(doc.toJS());
  if (!result.success) {
    const messages = result.error.issues.map((issue) => {
      let node: unknown = null;
      for (let depth = issue.path.length; depth >= 0 && !node; depth--) {
        node = doc.getIn(issue.path.slice(0, depth) as (string | number)[], true);
      }
      let offset = (node as { range?: [number, number, number] } | null)?.range?.[0];
      if (issue.code === 'unrecognized_keys' && isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && issue.keys.includes(String(item.key.value)),
        );
        if (pair && isScalar(pair.key)) offset = pair.key.range?.[0] ?? offset;
      }
      const where =
        offset === undefined
          ? path
          : `${path}:${lineCounter.linePos(offset).line}:${lineCounter.linePos(offset).col}`;
      const key = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return `${where}: ${key}${issue.message}`;
    });
    throw new InputError(messages.join('\n'));
  }
  const spec = result.data;
  const base = dirname(resolve(path));
  spec.particles.materials = spec.particles.materials.map((m) =>
    typeof m === 'string' || !m.cif ? m : { ...m, cif: resolve(base, m.cif) },
  );
  return spec;
}

const cifCache = new Map<string, Crystal>();

function resolveMaterial(
  entry: StructureSpec['particles']['materials'][number],
  options: SampleOptions,
): Crystal {
  if (typeof entry === 'string') return material(entry);
  if (entry.cif) {
    const path = resolve(options.baseDir ?? '.', entry.cif);
    let crystal = cifCache.get(path);
    if (!crystal) {
      crystal = readCif(path, options.onWarning);
      cifCache.set(path, crystal);
    }
    return entry.name
      ? { ...structuredClone(crystal), name: entry.name }
      : structuredClone(crystal);
  }
  if (entry.name) return material(entry.name);
  throw new InputError('a material entry needs a name (built-in) or a cif path');
}

function pickWeighted<T>(items: T[], weights: number[], rng: Rng, what: string): T {
  const total = weights.reduce((s, w) => s + w, 0);
  if (!(total > 0)) throw new InputError(`${what}: weights must not all be 0`);
  let u = rng.random() * total;
  for (let i = 0; i < items.length; i++) {
    u -= weights[i];
    if (u < 0) return items[i];
  }
  return items[items.length - 1];
}

function uniformIn([lo, hi]: [number, number], rng: Rng): number {
  return lo === hi ? lo : rng.uniform(lo, hi);
}

function intIn([lo, hi]: [number, number], rng: Rng): number {
  return lo + rng.int(hi - lo + 1);
}

/**
 * Checks, before any scene is sampled, that a spec can be realised: every material entry resolves
 * (built-in name or readable CIF), and one scene drawn with a fixed seed builds. A sweep calls it
 * so that an unknown material or a radius that leaves no atoms fails before its first task.
 *
 * @param spec a validated spec (see `parseStructureSpec`)
 * @throws InputError or RangeError as `sampleScene` would
 * @example
 * checkStructureSpec(parseStructureSpec(yamlData)); // throws for materials: [CdXe]
 */
export function checkStructureSpec(spec: StructureSpec, options: SampleOptions = {}): void {
  for (const entry of spec.particles.materials) resolveMaterial(entry, options);
  sampleScene(spec, new Rng(0), { ...options, onWarning: () => {} });
}

/**
 * The shape of a given kind whose volume-equivalent radius is about `radius` [Å]. Faceted shapes
 * name cubic facet families; for non-cubic crystals ({111} of a hexagonal lattice is a steep
 * bipyramid) they are clipped by a sphere of 1.3 × radius to keep them compact.
 */
export function shapeForRadius(
  kind: ShapeName,
  radius: number,
  crystal: Crystal,
  spec: StructureSpec['particles'],
  rng: Rng,
): ShapeSpec {
  const shape = baseShape(kind, radius, crystal, spec, rng);
  const l = crystal.lattice;
  const cubic =
    l.a === l.b && l.b === l.c && [l.alphaDeg, l.betaDeg, l.gammaDeg].every((x) => x === 90);
  const faceted = kind === 'octahedron' || kind === 'truncatedOctahedron' || kind === 'wulff';
  if (cubic || !faceted) return shape;
  return { kind: 'intersection', shapes: [shape, { kind: 'sphere', radius: 1.3 * radius }] };
}

function sphereVolume(radius: number): number {
  return (4 / 3) * Math.PI * radius ** 3;
}

/** A unit-size polyhedron scaled to the volume of a sphere of `radius` [Å]. */
function scaledToRadius(unit: ShapeSpec, radius: number, crystal: Crystal): ShapeSpec {
  const scale = Math.cbrt(sphereVolume(radius) / shapeVolume(unit, crystal));
  switch (unit.kind) {
    case 'cube':
      return { ...unit, halfEdge: scale };
    case 'octahedron':
      return { ...unit, distance: scale };
    case 'truncatedOctahedron':
      return {
        ...unit,
        distance100: scale * unit.distance100,
        distance111: scale * unit.distance111,
      };
    case 'wulff':
      return { ...unit, size: scale };
    default:
      return unit;
  }
}

function baseShape(
  kind: ShapeName,
  radius: number,
  crystal: Crystal,
  spec: StructureSpec['particles'],
  rng: Rng,
): ShapeSpec {
  switch (kind) {
    case 'sphere':
      return { kind, radius };
    case 'ellipsoid': {
      const a = uniformIn(spec.aspect, rng);
      const b = uniformIn(spec.aspect, rng);
      const s = radius / Math.cbrt(a * b);
      return { kind, semiAxes: [a * s, b * s, s] };
    }
    case 'cylinder': {
      const aspect = uniformIn(spec.aspect, rng);
      // Equal volume: π r² L = (4/3) π R³ with L = 2 r · aspect.
      const r = radius * Math.cbrt(2 / (3 * aspect));
      return { kind, radius: r, length: 2 * r * aspect };
    }
    case 'cube':
      return scaledToRadius({ kind, halfEdge: 1 }, radius, crystal);
    case 'octahedron':
      return scaledToRadius({ kind, distance: 1 }, radius, crystal);
    case 'truncatedOctahedron':
      // Archimedean proportions: d111 / d100 = √3 / 2.
      return scaledToRadius(
        { kind, distance100: 1, distance111: Math.sqrt(3) / 2 },
        radius,
        crystal,
      );
    case 'wulff':
      return scaledToRadius(
        {
          kind,
          energies: spec.wulffEnergies.map((e) => ({ hkl: [...e.hkl] as Vec3, energy: e.energy })),
          size: 1,
        },
        radius,
        crystal,
      );
    case 'decahedron': {
      // Five regular tetrahedra of edge L: V = 5 L³ / (6√2).
      const nn = crystal.lattice.a / Math.SQRT2;
      const edge = Math.cbrt(sphereVolume(radius) / (5 / (6 * Math.SQRT2)));
      return { kind, shells: Math.max(1, Math.round(edge / nn)) };
    }
    case 'icosahedron': {
      // Circumradius R = 2L / (1 + 1/sin(2π/5)) (mtp.ts), surface edge e = R / sin(2π/5),
      // V = (5/12)(3 + √5) e³.
      const nn = crystal.lattice.a / Math.SQRT2;
      const k = 1 / Math.sin((2 * Math.PI) / 5);
      const perEdge = (5 / 12) * (3 + Math.sqrt(5)) * ((2 * k) / (1 + k)) ** 3;
      const edge = Math.cbrt(sphereVolume(radius) / perEdge);
      return { kind, shells: Math.max(1, Math.round(edge / nn)) };
    }
  }
}

/**
 * Samples one scene.
 *
 * @param spec a validated spec (see `parseStructureSpec`, `loadStructureSpec`)
 * @param rng the scene's generator. The scene draws from `rng.fork('particles')` and
 *   `rng.fork('substrate')`, so it depends only on `rng.seed` (recorded as `rngSeed`), not on
 *   draws made from `rng` before; pass a distinct generator per scene (see `sceneRng`).
 * @throws InputError when the spec cannot be realised (unknown material, particles that do not
 *   fit, an impossible film density, a shape that leaves no atoms)
 */
export function sampleScene(
  spec: StructureSpec,
  rng: Rng,
  options: SampleOptions = {},
): { atoms: Atoms; metadata: SceneMetadata } {
  const lx = spec.cell.x;
  const ly = spec.cell.y;
  const prng = rng.fork('particles');
  const p = spec.particles;
  const count = intIn(p.count, prng);
  const shapeNames = Object.keys(p.shapes) as ShapeName[];
  const shapeWeights = shapeNames.map((k) => p.shapes[k] ?? 0);
  const materialWeights = p.materials.map((m) => (typeof m === 'string' ? 1 : m.weight));

  const built: {
    record: ParticleRecord;
    positions: number[];
    numbers: number[];
    zmin: number;
    zmax: number;
    rxy: number;
  }[] = [];
  for (let i = 0; i < count; i++) {
    const entry = pickWeighted(p.materials, materialWeights, prng, 'particles.materials');
    const crystal = resolveMaterial(entry, options);
    const radius = uniformIn(p.radius, prng);
    const kind = pickWeighted(shapeNames, shapeWeights, prng, 'particles.shapes');
    const shape = shapeForRadius(kind, radius, crystal, p, prng);
    const centerFrac: Vec3 = p.centerOnSite
      ? [...crystal.sites[0].frac]
      : [prng.random(), prng.random(), prng.random()];
    const mtp = kind === 'decahedron' || kind === 'icosahedron';
    const counts = mtp
      ? { twins: 0, stackingFaults: 0 }
      : {
          twins: intIn(p.defects.twins, prng),
          stackingFaults: intIn(p.defects.stackingFaults, prng),
        };
    for (const kind of ['twins', 'stackingFaults'] as const) {
      const defectKind = kind === 'twins' ? 'twin' : 'stackingFault';
      if (counts[kind] > 0 && !supportsDefect(crystal, defectKind)) {
        options.onWarning?.({
          code: 'defects-unsupported',
          message: `particle ${i + 1} (${crystal.name}, ${crystal.structureType}) gets no ${kind}: they are defined on fcc, diamond and zincblende {111}${kind === 'stackingFaults' ? ' and the wurtzite basal plane' : ''}`,
        });
        counts[kind] = 0;
      }
    }
    const defects = randomDefects(crystal, counts, 0.7 * radius, prng);
    let rotation: Mat3;
    let orientation: ParticleRecord['orientation'];
    if (p.orientation.mode === 'random') {
      const r = randomRotation(prng);
      rotation = r.matrix;
      orientation = { mode: 'random', quaternion: r.quaternion };
    } else {
      const axis = p.orientation.axes[prng.int(p.orientation.axes.length)] as Vec3;
      const inPlaneAngle = p.orientation.randomInPlane ? prng.uniform(0, 2 * Math.PI) : 0;
      const tilt = randomTilt(p.orientation.tiltStd, prng);
      rotation = mulMat3(tilt.matrix, zoneAxisRotation(crystal, axis, inPlaneAngle));
      orientation = { mode: 'zoneAxis', axis, inPlaneAngle, tilt: tilt.tilt };
    }
    const embed = spec.substrate ? uniformIn(p.embed, prng) : 0;
    const particle = buildParticle(crystal, { shape, defects, rotation, centerFrac });
    let zmin = Infinity;
    let zmax = -Infinity;
    let rxy = 0;
    for (let k = 0; k < particle.positions.length; k += 3) {
      zmin = Math.min(zmin, particle.positions[k + 2]);
      zmax = Math.max(zmax, particle.positions[k + 2]);
      rxy = Math.max(rxy, Math.hypot(particle.positions[k], particle.positions[k + 1]));
    }
    built.push({
      record: {
        label: i + 1,
        material: crystal.name,
        structureType: crystal.structureType,
        radius,
        shape,
        defects,
        orientation,
        rotation,
        centerFrac,
        center: [0, 0, 0],
        embed,
        atoms: particle.numbers.length,
        composition: composition(particle),
      },
      positions: particle.positions,
      numbers: particle.numbers,
      zmin,
      zmax,
      rxy,
    });
  }

  const centers = placeDiscs(
    built.map((b) => b.rxy),
    lx,
    ly,
    p.minSeparation,
    prng,
  );
  const height = built.reduce((h, b) => Math.max(h, b.zmax - b.zmin - b.record.embed), 0);
  const filmTop = spec.vacuum + height;
  const frng = rng.fork('substrate');
  const thickness = spec.substrate ? uniformIn(spec.substrate.thickness, frng) : 0;
  const lz = filmTop + thickness + spec.vacuum;

  const objects: SceneObject[] = [];
  built.forEach((b, i) => {
    const cz = filmTop + b.record.embed - b.zmax;
    b.record.center = [centers[i][0], centers[i][1], cz];
    const pos = b.positions;
    for (let k = 0; k < pos.length; k += 3) {
      pos[k] += centers[i][0];
      pos[k + 1] += centers[i][1];
      pos[k + 2] += cz;
    }
    objects.push({
      atoms: { numbers: b.numbers, positions: pos },
      label: b.record.label,
      priority: 1,
    });
  });

  let substrate: SceneMetadata['substrate'] = null;
  if (spec.substrate && thickness > 0) {
    const film = amorphousFilm(
      {
        element: spec.substrate.element,
        lx,
        ly,
        thickness,
        z0: filmTop,
        density: spec.substrate.density,
        minDistance: spec.substrate.minDistance,
      },
      frng,
    );
    objects.push({ atoms: film, label: 0, priority: 0 });
    substrate = {
      element: spec.substrate.element,
      thickness,
      z0: filmTop,
      density: spec.substrate.density,
      minDistance: spec.substrate.minDistance,
      atomsGenerated: film.numbers.length,
      atomsKept: 0,
    };
  }

  const atoms = composeScene([lx, ly, lz], objects, spec.clearance);
  if (substrate) substrate.atomsKept = atoms.labels.filter((l) => l === 0).length;
  return {
    atoms,
    metadata: {
      generator: 'hrtem-ood structures',
      rngSeed: rng.seed,
      cell: [lx, ly, lz],
      substrate,
      particles: built.map((b) => b.record),
      atoms: atoms.numbers.length,
      spec,
    },
  };
}
