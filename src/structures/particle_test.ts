import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { referencePath } from '../test-utils/reference.js';
import { numberDensity } from './crystal.js';
import { defectLayerSpacing } from './defects.js';
import type { Vec3 } from './linalg.js';
import { fccCrystal, material } from './materials.js';
import { buildParticle, type Particle } from './particle.js';
import { shapeVolume } from './shapes.js';
import { minPairDistance } from './test-helpers.js';
import { parseExtendedXyz } from './xyz.js';

/** Stacking positions (A, B, C) of the (111) layers of an fcc particle, bottom to top. */
function stacking111(particle: Particle, a: number): string {
  const n: Vec3 = [1, 1, 1].map((v) => v / Math.sqrt(3)) as Vec3;
  const e2: Vec3 = [1, 1, -2].map((v) => v / Math.sqrt(6)) as Vec3;
  const d = a / Math.sqrt(3);
  // Layer A projects onto e2 at multiples of 1.5 u, B = A + u, C = A + 2u, with u = a/√6.
  const half = a / Math.sqrt(6) / 2;
  const layers = new Map<number, string>();
  const p = particle.positions;
  for (let i = 0; i < particle.numbers.length; i++) {
    const v: Vec3 = [p[3 * i], p[3 * i + 1], p[3 * i + 2]];
    const h = Math.round((v[0] * n[0] + v[1] * n[1] + v[2] * n[2]) / d);
    const s = (v[0] * e2[0] + v[1] * e2[1] + v[2] * e2[2]) / half;
    expect(Math.abs(s - Math.round(s))).toBeLessThan(1e-6);
    const cls = 'ACB'[((Math.round(s) % 3) + 3) % 3];
    const seen = layers.get(h);
    expect(seen === undefined || seen === cls).toBe(true);
    layers.set(h, cls);
  }
  return [...layers.entries()]
    .sort((x, y) => x[0] - y[0])
    .map((e) => e[1])
    .join('');
}

describe('buildParticle: spheres', () => {
  it('matches density × volume within a 0.5 Å surface shell for fcc, bcc, diamond, wurtzite, rutile and spinel', () => {
    for (const name of ['Au', 'Fe', 'Si', 'CdSe', 'TiO2', 'Fe3O4']) {
      const crystal = material(name);
      const rho = numberDensity(crystal);
      for (const radius of [10, 15, 20, 30]) {
        const n = buildParticle(crystal, { shape: { kind: 'sphere', radius } }).numbers.length;
        const expected = rho * (4 / 3) * Math.PI * radius ** 3;
        // Whole shells of atoms fall just inside or outside the radius (Au r = 15 Å: a shell at
        // 14.98 Å adds 6 %), so the count may differ by a shell 0.5 Å thick over the surface:
        // 15 % of N at r = 10 Å, 5 % at 30 Å.
        const tolerance = rho * 4 * Math.PI * radius ** 2 * 0.5;
        expect(Math.abs(n - expected), `${name} r=${radius}`).toBeLessThan(tolerance);
      }
    }
  });

  it('reproduces the 887-atom Au sphere of the shared abTEM reference atom for atom', () => {
    const path = referencePath('abtem-au-sphere/au_np_r15.xyz');
    const ref = parseExtendedXyz(readFileSync(path, 'utf8'), path);
    const nn = minPairDistance({
      numbers: Array.from(ref.numbers),
      positions: Array.from(ref.positions),
    });
    const a = Number((nn * Math.SQRT2).toFixed(4));
    const ours = buildParticle(fccCrystal('Au', 'Au', a), {
      shape: { kind: 'sphere', radius: 15 },
    });
    expect(ours.numbers.length).toBe(ref.numbers.length);
    // Centre of the reference = mean position; match atoms within 0.01 Å (the file has 1e-3 Å).
    const mean = [0, 1, 2].map((k) => {
      let s = 0;
      for (let i = k; i < ref.positions.length; i += 3) s += ref.positions[i];
      return s / ref.numbers.length;
    });
    const cell = (v: number) => Math.round(v * 10);
    const refMap = new Map<string, number[]>();
    for (let i = 0; i < ref.numbers.length; i++) {
      const v = [0, 1, 2].map((k) => ref.positions[3 * i + k] - mean[k]);
      const key = v.map(cell).join(',');
      refMap.set(key, [...(refMap.get(key) ?? []), ...v]);
    }
    let matched = 0;
    for (let i = 0; i < ours.numbers.length; i++) {
      const v = [0, 1, 2].map((k) => ours.positions[3 * i + k]);
      const c = v.map(cell);
      let found = false;
      for (let dx = -1; dx <= 1 && !found; dx++)
        for (let dy = -1; dy <= 1 && !found; dy++)
          for (let dz = -1; dz <= 1 && !found; dz++) {
            const list = refMap.get(`${c[0] + dx},${c[1] + dy},${c[2] + dz}`) ?? [];
            for (let j = 0; j < list.length; j += 3) {
              if (Math.hypot(list[j] - v[0], list[j + 1] - v[1], list[j + 2] - v[2]) < 0.01)
                found = true;
            }
          }
      if (found) matched++;
    }
    expect(matched).toBe(ref.numbers.length);
  });

  it('throws a clear error for a shape that leaves no atoms', () => {
    const au = material('Au');
    expect(() =>
      buildParticle(au, { shape: { kind: 'sphere', radius: 1 }, centerFrac: [0.25, 0.25, 0.25] }),
    ).toThrow(InputError);
    expect(() =>
      buildParticle(au, { shape: { kind: 'sphere', radius: 1 }, centerFrac: [0.25, 0.25, 0.25] }),
    ).toThrow(/leaves no atoms of Au/);
    expect(() => buildParticle(au, { shape: { kind: 'sphere', radius: -1 } })).toThrow(
      /sphere radius must be > 0/,
    );
  });
});

describe('buildParticle: faceted shapes', () => {
  it('cuts a cube bounded by {100}: extents equal along x, y, z and bounding radius √3 × half edge', () => {
    const p = buildParticle(material('Au'), { shape: { kind: 'cube', halfEdge: 10.2 } });
    const ext = [0, 1, 2].map((k) => {
      let m = 0;
      for (let i = k; i < p.positions.length; i += 3) m = Math.max(m, Math.abs(p.positions[i]));
      return m;
    });
    // Half edge 10.2 Å holds lattice planes at multiples of a/2 = 2.0391 Å up to 5 × 2.0391.
    for (const e of ext) expect(e).toBeCloseTo(5 * 2.0391, 4);
    // fcc points (i,j,k)·a/2 with |i|,|j|,|k| ≤ 5 and i+j+k even: 5³ + 3·5·6² = 665.
    expect(p.numbers.length).toBe(665);
  });

  it('cuts an octahedron bounded by {111}: only (111)-type extreme directions', () => {
    const d = 3 * (4.0782 / Math.sqrt(3)) + 0.01;
    const p = buildParticle(material('Au'), { shape: { kind: 'octahedron', distance: d } });
    // fcc points (i,j,k)·a/2 with |i|+|j|+|k| ≤ 6 and i+j+k even: all with even |i|+|j|+|k|.
    let expected = 0;
    for (let i = -6; i <= 6; i++)
      for (let j = -6; j <= 6; j++)
        for (let k = -6; k <= 6; k++)
          if (Math.abs(i) + Math.abs(j) + Math.abs(k) <= 6 && (i + j + k) % 2 === 0) expected++;
    expect(p.numbers.length).toBe(expected);
  });

  it('builds a Wulff shape whose ratios of facet distances follow the surface energies', () => {
    const au = material('Au');
    const wulff = (ratio: number) =>
      buildParticle(au, {
        shape: {
          kind: 'wulff',
          size: 12,
          energies: [
            { hkl: [1, 1, 1], energy: 1 },
            { hkl: [1, 0, 0], energy: ratio },
          ],
        },
      }).numbers.length;
    const octa = buildParticle(au, { shape: { kind: 'octahedron', distance: 12 } }).numbers.length;
    const cube = buildParticle(au, { shape: { kind: 'cube', halfEdge: 12 } }).numbers.length;
    // γ100/γ111 ≥ √3: the {100} facets vanish and the Wulff shape is the octahedron.
    expect(wulff(1.8)).toBe(octa);
    // γ100/γ111 < √3: {100} facets at 12·ratio Å truncate the octahedron's corners.
    expect(wulff(1.2)).toBeLessThan(octa);
    expect(wulff(1.2)).toBeGreaterThan(0.8 * octa);
    // A single {100} family is the cube.
    expect(
      buildParticle(au, {
        shape: { kind: 'wulff', size: 12, energies: [{ hkl: [1, 0, 0], energy: 2 }] },
      }).numbers.length,
    ).toBe(cube);
  });

  it('computes polyhedron volumes exactly: cube 8h³, octahedron 4√3 d³, Archimedean truncated octahedron 32', () => {
    const au = material('Au');
    expect(shapeVolume({ kind: 'cube', halfEdge: 3 }, au)).toBeCloseTo(216, 9);
    expect(shapeVolume({ kind: 'octahedron', distance: 2 }, au)).toBeCloseTo(
      4 * Math.sqrt(3) * 8,
      9,
    );
    // Vertices at the permutations of (0, ±1, ±2): d100 = 2, d111 = √3, volume 8√2·(√2)³ = 32.
    expect(
      shapeVolume({ kind: 'truncatedOctahedron', distance100: 2, distance111: Math.sqrt(3) }, au),
    ).toBeCloseTo(32, 9);
    // Hexagonal prism for wurtzite "cube": apothem h, height 2h: 2√3 h² · 2h.
    expect(shapeVolume({ kind: 'cube', halfEdge: 2 }, material('CdSe'))).toBeCloseTo(
      4 * Math.sqrt(3) * 8,
      9,
    );
  });

  it('rejects facets that do not enclose a volume', () => {
    expect(() =>
      buildParticle(material('CdSe'), {
        shape: { kind: 'facets', planes: [{ hkl: [1, 0, 0], distance: 10 }] },
      }),
    ).toThrow(/do not enclose a finite volume/);
  });

  it('builds ellipsoids, boxes and cylinders with the expected atom counts to within the shell', () => {
    const au = material('Au');
    const rho = numberDensity(au);
    const cyl = buildParticle(au, { shape: { kind: 'cylinder', radius: 15, length: 20 } });
    const vol = Math.PI * 15 ** 2 * 20;
    expect(Math.abs(cyl.numbers.length - rho * vol)).toBeLessThan(
      rho * (2 * Math.PI * 15 * 20 + 2 * Math.PI * 225) * 1.5,
    );
    const ell = buildParticle(au, { shape: { kind: 'ellipsoid', semiAxes: [10, 15, 20] } });
    expect(Math.abs(ell.numbers.length - rho * (4 / 3) * Math.PI * 3000)).toBeLessThan(
      0.25 * rho * (4 / 3) * Math.PI * 3000,
    );
    const box = buildParticle(au, { shape: { kind: 'box', size: [20.4, 20.4, 20.4] } });
    expect(box.numbers.length).toBe(665);
  });
});

describe('buildParticle: defects', () => {
  const au = material('Au');
  const a = au.lattice.a;
  const sphere = { kind: 'sphere' as const, radius: 16 };

  it('stacks a perfect fcc sphere as ABCABC… along [111]', () => {
    const s = stacking111(buildParticle(au, { shape: sphere }), a);
    expect(s).toMatch(/^(ABC|BCA|CAB)+[ABC]{0,2}$/);
  });

  it('mirrors the stacking at a twin boundary (ABCABC → ABCBA…)', () => {
    const s = stacking111(
      buildParticle(au, { shape: sphere, defects: [{ kind: 'twin', hkl: [1, 1, 1], layer: 0 }] }),
      a,
    );
    const mid = s.length >> 1;
    // The layer through the centre (index mid) is the mirror plane.
    for (let k = 1; k <= Math.min(mid, s.length - 1 - mid); k++)
      expect(s[mid - k]).toBe(s[mid + k]);
    expect(s.slice(mid - 3, mid + 3)).toMatch(/ABCBA|BCACB|CABAC/);
  });

  it('removes one layer of the stacking at an intrinsic stacking fault (ABCABC → ABCACA…)', () => {
    const s = stacking111(
      buildParticle(au, {
        shape: sphere,
        defects: [{ kind: 'stackingFault', hkl: [1, 1, 1], layer: 0 }],
      }),
      a,
    );
    const next = (c: string) => 'ABC'['ABC'.indexOf(c) === 2 ? 0 : 'ABC'.indexOf(c) + 1];
    const reversed = [...s].slice(1).filter((c, i) => c !== next(s[i])).length;
    expect(reversed).toBe(1);
  });

  it('puts several twins in one particle, each a mirror (ABCABACBCABC…)', () => {
    const s = stacking111(
      buildParticle(au, {
        shape: sphere,
        defects: [
          { kind: 'twin', hkl: [1, 1, 1], layer: -2 },
          { kind: 'twin', hkl: [1, 1, 1], layer: 2 },
        ],
      }),
      a,
    );
    const next = (c: string) => 'ABC'[('ABC'.indexOf(c) + 1) % 3];
    const reversals = [...s].slice(1).map((c, i) => c === next(s[i]));
    // Forward stacking, then reversed between the twins, then forward again.
    const changes = reversals.slice(1).filter((r, i) => r !== reversals[i]).length;
    expect(changes).toBe(2);
  });

  it('keeps every bond length through twins and faults in Au, Si and CdSe', () => {
    const cases: [string, { kind: 'twin' | 'stackingFault'; hkl: Vec3; layer: number }[]][] = [
      [
        'Au',
        [
          { kind: 'twin', hkl: [1, -1, 1], layer: 1 },
          { kind: 'stackingFault', hkl: [1, -1, 1], layer: -2 },
        ],
      ],
      [
        'Si',
        [
          { kind: 'twin', hkl: [1, 1, 1], layer: 0 },
          { kind: 'stackingFault', hkl: [1, 1, 1], layer: 2 },
        ],
      ],
      [
        'CdSe',
        [
          { kind: 'stackingFault', hkl: [0, 0, 1], layer: 0 },
          { kind: 'stackingFault', hkl: [0, 0, 1], layer: 3 },
        ],
      ],
    ];
    for (const [name, defects] of cases) {
      const c = material(name);
      const perfect = buildParticle(c, { shape: { kind: 'sphere', radius: 11 } });
      const faulted = buildParticle(c, { shape: { kind: 'sphere', radius: 11 }, defects });
      expect(Math.abs(minPairDistance(faulted) - minPairDistance(perfect)), name).toBeLessThan(
        1e-6,
      );
      expect(
        Math.abs(faulted.numbers.length - perfect.numbers.length) / perfect.numbers.length,
        name,
      ).toBeLessThan(0.05);
    }
  });

  it('keeps four bonds of the right length on every interior atom of twinned Si and faulted CdSe', () => {
    const cases: [
      string,
      number,
      { kind: 'twin' | 'stackingFault'; hkl: Vec3; layer: number }[],
    ][] = [
      ['Si', 2.352, [{ kind: 'twin', hkl: [1, 1, 1], layer: 0 }]],
      ['Si', 2.352, [{ kind: 'stackingFault', hkl: [-1, 1, 1], layer: 1 }]],
      [
        'ZnS',
        2.342,
        [
          { kind: 'twin', hkl: [1, -1, 1], layer: -1 },
          { kind: 'stackingFault', hkl: [1, -1, 1], layer: 2 },
        ],
      ],
      [
        'CdSe',
        2.63,
        [
          { kind: 'stackingFault', hkl: [0, 0, 1], layer: 1 },
          { kind: 'stackingFault', hkl: [0, 0, 1], layer: -2 },
        ],
      ],
    ];
    for (const [name, bond, defects] of cases) {
      const p = buildParticle(material(name), { shape: { kind: 'sphere', radius: 13 }, defects });
      const q = p.positions;
      const n = p.numbers.length;
      let checked = 0;
      for (let i = 0; i < n; i++) {
        if (Math.hypot(q[3 * i], q[3 * i + 1], q[3 * i + 2]) > 8) continue;
        let bonds = 0;
        let closest = Infinity;
        for (let j = 0; j < n; j++) {
          if (j === i) continue;
          const d = Math.hypot(
            q[3 * i] - q[3 * j],
            q[3 * i + 1] - q[3 * j + 1],
            q[3 * i + 2] - q[3 * j + 2],
          );
          if (d < bond * 1.2) bonds++;
          closest = Math.min(closest, d);
        }
        expect(bonds, `${name} atom ${i}`).toBe(4);
        expect(Math.abs(closest - bond), `${name} atom ${i}`).toBeLessThan(0.01);
        checked++;
      }
      expect(checked).toBeGreaterThan(50);
    }
  });

  it('turns wurtzite ABAB stacking into the I2 fault ABABCACA (two cubic triplets)', () => {
    const cdse = material('CdSe');
    const { a, c } = cdse.lattice;
    const stacking = (layer: number | null) => {
      const p = buildParticle(cdse, {
        shape: { kind: 'sphere', radius: 20 },
        defects: layer === null ? [] : [{ kind: 'stackingFault', hkl: [0, 0, 1], layer }],
      });
      const layers = new Map<number, number>();
      for (let i = 0; i < p.numbers.length; i++) {
        if (p.numbers[i] !== 48) continue;
        // Cd columns sit at y = k·a/(2√3) with k mod 3 naming the stacking position A, B or C.
        const s = p.positions[3 * i + 1] / (a / Math.sqrt(3) / 2);
        expect(Math.abs(s - Math.round(s))).toBeLessThan(1e-6);
        const h = Math.round(p.positions[3 * i + 2] / (c / 2));
        const cls = ((Math.round(s) % 3) + 3) % 3;
        expect(layers.get(h) ?? cls).toBe(cls);
        layers.set(h, cls);
      }
      const seq = [...layers.entries()].sort((x, y) => x[0] - y[0]).map((e) => e[1]);
      // A triplet is cubic when its outer layers differ (ABC), hexagonal when they agree (ABA).
      return seq.slice(2).filter((v, i) => v !== seq[i]).length;
    };
    expect(stacking(null)).toBe(0);
    expect(stacking(0)).toBe(2);
    expect(stacking(-3)).toBe(2);
  });

  it('spaces CdSe basal faults by c/2 and Au {111} defects by d111', () => {
    const cdse = material('CdSe');
    expect(defectLayerSpacing(cdse, { kind: 'stackingFault', hkl: [0, 0, 1] })).toBeCloseTo(
      cdse.lattice.c / 2,
      9,
    );
    expect(defectLayerSpacing(au, { kind: 'twin', hkl: [1, 1, 1] })).toBeCloseTo(
      a / Math.sqrt(3),
      9,
    );
  });

  it('rejects defects the structure does not support', () => {
    expect(() =>
      buildParticle(material('Fe'), {
        shape: sphere,
        defects: [{ kind: 'twin', hkl: [1, 1, 1], layer: 0 }],
      }),
    ).toThrow(
      /twin boundaries are supported on fcc, diamond and zincblende \{111\}; material "Fe" is bcc/,
    );
    expect(() =>
      buildParticle(material('CdSe'), {
        shape: sphere,
        defects: [{ kind: 'twin', hkl: [0, 0, 1], layer: 0 }],
      }),
    ).toThrow(InputError);
    expect(() =>
      buildParticle(au, { shape: sphere, defects: [{ kind: 'twin', hkl: [1, 0, 0], layer: 0 }] }),
    ).toThrow(/must be one of \(1 1 1\)/);
  });
});

describe('buildParticle: multiply twinned particles', () => {
  it('gives the magic numbers of decahedra (7, 23, 54, 105) and icosahedra (13, 55, 147, 309)', () => {
    const au = material('Au');
    const deca = [1, 2, 3, 4].map(
      (n) => buildParticle(au, { shape: { kind: 'decahedron', shells: n } }).numbers.length,
    );
    const ico = [1, 2, 3, 4].map(
      (n) => buildParticle(au, { shape: { kind: 'icosahedron', shells: n } }).numbers.length,
    );
    expect(deca).toEqual([7, 23, 54, 105]);
    expect(ico).toEqual([13, 55, 147, 309]);
  });

  it('keeps nearest neighbours within 5 % of the bulk distance', () => {
    const au = material('Au');
    const nn = au.lattice.a / Math.SQRT2;
    for (const kind of ['decahedron', 'icosahedron'] as const) {
      const p = buildParticle(au, { shape: { kind, shells: 4 } });
      expect(minPairDistance(p) / nn, kind).toBeGreaterThan(0.95);
    }
  });

  it('refuses non-fcc materials', () => {
    expect(() =>
      buildParticle(material('Si'), { shape: { kind: 'icosahedron', shells: 3 } }),
    ).toThrow(/built for fcc metals; material "Si" is diamond/);
  });
});
