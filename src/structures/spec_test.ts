import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { directionVector, numberDensity } from './crystal.js';
import { angleBetween, applyMat3 } from './linalg.js';
import { material } from './materials.js';
import { buildParticle } from './particle.js';
import {
  loadStructureSpec,
  parseStructureSpec,
  type StructureSpecInput,
  sampleScene,
  shapeForRadius,
} from './spec.js';
import { sceneRng, writeScenes } from './write.js';
import { parseExtendedXyz } from './xyz.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hrtem-structures-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const small: StructureSpecInput = {
  cell: { x: 70, y: 70 },
  substrate: { thickness: [15, 20] },
  particles: {
    count: [2, 3],
    minSeparation: 5,
    materials: ['CdSe', 'Au'],
    radius: [8, 10],
    shapes: { sphere: 1, cube: 1, octahedron: 1 },
    defects: { stackingFaults: [0, 2] },
    orientation: {
      mode: 'zoneAxis',
      axes: [
        [0, 0, 1],
        [1, 1, 0],
      ],
      tiltStd: 0.01,
    },
    embed: [1, 3],
  },
};

describe('sampleScene', () => {
  it('labels particle atoms 1…k and film atoms 0, with particles resting in the film', () => {
    const spec = parseStructureSpec(small);
    const { atoms, metadata } = sampleScene(spec, new Rng(7));
    expect(metadata.particles.length).toBeGreaterThanOrEqual(2);
    for (const p of metadata.particles) {
      const mine = atoms.labels.filter((l) => l === p.label).length;
      expect(mine).toBe(p.atoms);
    }
    const film = metadata.substrate!;
    expect(atoms.labels.filter((l) => l === 0).length).toBe(film.atomsKept);
    // Embedded particles displace film atoms.
    expect(film.atomsKept).toBeLessThan(film.atomsGenerated);
    // No film atom within the 2 Å clearance of a particle atom.
    const p = atoms.positions;
    const particleIdx = [...atoms.labels.keys()].filter((i) => atoms.labels[i] > 0);
    let closest = Infinity;
    for (let i = 0; i < atoms.labels.length; i++) {
      if (atoms.labels[i] !== 0 || p[3 * i + 2] > film.z0 + 4) continue;
      for (const j of particleIdx) {
        let dx = p[3 * i] - p[3 * j];
        let dy = p[3 * i + 1] - p[3 * j + 1];
        dx -= 70 * Math.round(dx / 70);
        dy -= 70 * Math.round(dy / 70);
        closest = Math.min(closest, Math.hypot(dx, dy, p[3 * i + 2] - p[3 * j + 2]));
      }
    }
    expect(closest).toBeGreaterThanOrEqual(2);
    expect(closest).toBeLessThan(3);
    // Every atom inside the cell.
    let inside = true;
    for (let i = 0; i < atoms.labels.length; i++) {
      const [x, y, z] = [p[3 * i], p[3 * i + 1], p[3 * i + 2]];
      inside &&= x >= 0 && x < 70 && y >= 0 && y < 70 && z >= 0 && z <= atoms.cell[2];
    }
    expect(inside).toBe(true);
  });

  it('records orientations that put the chosen zone axis within the tilt of the beam', () => {
    const spec = parseStructureSpec(small);
    const { metadata } = sampleScene(spec, new Rng(8));
    for (const p of metadata.particles) {
      expect(p.orientation.mode).toBe('zoneAxis');
      if (p.orientation.mode !== 'zoneAxis') continue;
      const beam = applyMat3(p.rotation, directionVector(material(p.material), p.orientation.axis));
      expect(angleBetween(beam, [0, 0, 1])).toBeCloseTo(Math.hypot(...p.orientation.tilt), 9);
    }
  });

  it('regenerates a scene exactly from the seed in its metadata', () => {
    const spec = parseStructureSpec(small);
    const a = sampleScene(spec, sceneRng(42, 3));
    const b = sampleScene(a.metadata.spec, new Rng(a.metadata.rngSeed));
    expect(b.atoms.positions).toEqual(a.atoms.positions);
    expect(b.metadata).toEqual(a.metadata);
  });

  it('fails clearly when the particles cannot fit or the material is unknown', () => {
    const crowded = parseStructureSpec({
      ...small,
      particles: { ...small.particles, count: 20, minSeparation: 10 },
    });
    expect(() => sampleScene(crowded, new Rng(1))).toThrow(/cannot place 20 particles/);
    const unknown = parseStructureSpec({
      ...small,
      particles: { ...small.particles, materials: ['Kryptonite'] },
    });
    expect(() => sampleScene(unknown, new Rng(1))).toThrow(/unknown material "Kryptonite"/);
  });
});

describe('sampleScene options', () => {
  it('warns and skips defects a material does not support, and floats particles for negative embed', () => {
    const spec = parseStructureSpec({
      cell: { x: 40, y: 40 },
      substrate: { thickness: 10 },
      particles: {
        materials: ['Fe'],
        radius: 8,
        defects: { twins: 1, stackingFaults: 1 },
        embed: -3,
      },
    });
    const warnings: string[] = [];
    const { atoms, metadata } = sampleScene(spec, new Rng(2), {
      onWarning: (w) => warnings.push(w.code),
    });
    expect(warnings).toEqual(['defects-unsupported', 'defects-unsupported']);
    expect(metadata.particles[0].defects).toEqual([]);
    // 3 Å gap: no film atom removed, and the particle's lowest atom sits 3 Å above the film.
    expect(metadata.substrate!.atomsKept).toBe(metadata.substrate!.atomsGenerated);
    let zmax = -Infinity;
    for (let i = 0; i < atoms.labels.length; i++) {
      if (atoms.labels[i] === 1) zmax = Math.max(zmax, atoms.positions[3 * i + 2]);
    }
    expect(metadata.substrate!.z0 - zmax).toBeCloseTo(3, 9);
  });

  it('draws defects for supporting materials: CdSe gets its stacking faults', () => {
    const spec = parseStructureSpec({
      cell: { x: 40, y: 40 },
      substrate: null,
      particles: { materials: ['CdSe'], radius: 12, defects: { stackingFaults: 2 } },
    });
    const { metadata } = sampleScene(spec, new Rng(3));
    expect(metadata.particles[0].defects.map((d) => d.kind)).toEqual([
      'stackingFault',
      'stackingFault',
    ]);
    expect(new Set(metadata.particles[0].defects.map((d) => d.layer)).size).toBe(2);
  });
});

describe('shapeForRadius', () => {
  it('sizes every shape to the atom count of the sphere of that radius within −25 % … +40 %', () => {
    const spec = parseStructureSpec({
      cell: { x: 50, y: 50 },
      particles: { materials: ['Au'], radius: 20 },
    });
    const au = material('Au');
    const expected = numberDensity(au) * (4 / 3) * Math.PI * 20 ** 3;
    const kinds = [
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
    for (const kind of kinds) {
      const n = buildParticle(au, {
        shape: shapeForRadius(kind, 20, au, spec.particles, new Rng(1)),
      }).numbers.length;
      expect(n / expected, kind).toBeGreaterThan(0.75);
      expect(n / expected, kind).toBeLessThan(1.4);
    }
  });
});

describe('writeScenes', () => {
  it('gives byte-identical files for the same seed and different ones for another seed', () => {
    const spec = parseStructureSpec(small);
    const [d1, d2, d3] = [tempDir(), tempDir(), tempDir()];
    const w1 = writeScenes(spec, d1, 2, 5);
    writeScenes(spec, d2, 2, 5);
    writeScenes(spec, d3, 2, 6);
    for (const name of ['scene-0000.xyz', 'scene-0001.prismatic.xyz', 'scene-0001.json']) {
      expect(readFileSync(join(d2, name)).equals(readFileSync(join(d1, name)))).toBe(true);
      expect(readFileSync(join(d3, name)).equals(readFileSync(join(d1, name)))).toBe(false);
    }
    const atoms = parseExtendedXyz(readFileSync(w1[0].xyz, 'utf8'), w1[0].xyz);
    const meta = JSON.parse(readFileSync(w1[0].metadata, 'utf8'));
    expect(atoms.numbers.length).toBe(meta.atoms);
    expect(meta.seed).toBe(5);
    expect(meta.sceneIndex).toBe(0);
  });
});

describe('loadStructureSpec', () => {
  it('reads YAML with defaults', () => {
    const dir = tempDir();
    const path = join(dir, 'spec.yaml');
    writeFileSync(
      path,
      'cell: {x: 64, y: 64}\nparticles:\n  materials: [Au]\n  radius: [10, 15]\n',
    );
    const spec = loadStructureSpec(path);
    expect(spec.substrate).toEqual({
      element: 'C',
      density: 0.11,
      minDistance: 1.4,
      thickness: [20, 80],
    });
    expect(spec.particles.radius).toEqual([10, 15]);
    expect(spec.particles.orientation).toEqual({ mode: 'random' });
  });

  it('reads JSON specs too', () => {
    const dir = tempDir();
    const path = join(dir, 'spec.json');
    writeFileSync(
      path,
      JSON.stringify(
        { cell: { x: 40, y: 40 }, particles: { materials: ['Pt'], radius: 9 } },
        null,
        2,
      ),
    );
    expect(loadStructureSpec(path).particles.materials).toEqual(['Pt']);
  });

  it('names file, line and column of a bad value or unknown key', () => {
    const dir = tempDir();
    const path = join(dir, 'bad.yaml');
    writeFileSync(
      path,
      'cell: {x: 64, y: 64}\nparticles:\n  materials: [Au]\n  radius: [10, 15]\n  colour: red\n',
    );
    expect(() => loadStructureSpec(path)).toThrow(InputError);
    expect(() => loadStructureSpec(path)).toThrow(
      new RegExp(`${path}:5:3: particles: Unrecognized key: "colour"`),
    );
    writeFileSync(
      path,
      'cell: {x: -64, y: 64}\nparticles:\n  materials: [Au]\n  radius: [10, 15]\n',
    );
    expect(() => loadStructureSpec(path)).toThrow(new RegExp(`${path}:1:11: cell.x: Too small`));
    writeFileSync(path, 'cell: {x: 64, y: 64\n');
    expect(() => loadStructureSpec(path)).toThrow(new RegExp(`${path}:\\d+:\\d+: `));
    writeFileSync(
      path,
      'cell: {x: 64, y: 64}\nparticles:\n  materials: [Au]\n  radius: [15, 10]\n',
    );
    expect(() => loadStructureSpec(path)).toThrow(/particle radius range must be \[min, max\]/);
  });

  it('resolves CIF materials relative to the spec file', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'cu.cif'),
      'data_Cu\n_cell_length_a 3.6149\n_cell_length_b 3.6149\n_cell_length_c 3.6149\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\nx,y+1/2,z+1/2\nx+1/2,y,z+1/2\nx+1/2,y+1/2,z\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nCu1 0 0 0\n',
    );
    const path = join(dir, 'spec.yaml');
    writeFileSync(
      path,
      'cell: {x: 40, y: 40}\nsubstrate: null\nparticles:\n  materials: [{cif: cu.cif}]\n  radius: 8\n',
    );
    const spec = loadStructureSpec(path);
    const { metadata } = sampleScene(spec, new Rng(1));
    expect(metadata.particles[0].material).toBe('Cu');
    expect(metadata.particles[0].composition.Cu).toBe(metadata.atoms);
    expect(metadata.substrate).toBeNull();
  });
});
