/**
 * Built-in materials with literature lattice constants (room temperature).
 *
 * Sources:
 * - Elements (Au, Ag, Cu, Pt, Pd fcc; Fe bcc; Si, C diamond): R. W. G. Wyckoff, *Crystal
 *   Structures*, vol. 1, 2nd ed., Interscience (1963), as tabulated in the CRC Handbook of
 *   Chemistry and Physics ("Lattice constants of the elements"). Si: 5.431 020 5 Å (CODATA 2018
 *   lattice spacing d220 × √8).
 * - CdSe wurtzite: a = 4.2999 Å, c = 7.0109 Å (Wyckoff 1963); internal parameter u = 0.376 (the
 *   commonly used experimental value, close to the ideal 3/8).
 * - ZnO wurtzite: a = 3.2495 Å, c = 5.2069 Å, u = 0.3825 (S. C. Abrahams, J. L. Bernstein,
 *   Acta Cryst. B 25, 1233 (1969)).
 * - ZnS zincblende (sphalerite): a = 5.4093 Å (Wyckoff 1963).
 * - Fe3O4 spinel (Fd-3m, origin choice 2): a = 8.3941 Å, oxygen x = 0.2549 (M. E. Fleet, Acta
 *   Cryst. B 37, 917 (1981)).
 * - Co3O4 spinel (Fd-3m, origin choice 2): a = 8.084 Å, oxygen x = 0.2632 (typical room-temperature
 *   literature values; cross-check against your own source for quantitative work).
 * - TiO2 rutile (P4₂/mnm): a = 4.5937 Å, c = 2.9587 Å, oxygen u = 0.30478 (J. K. Burdett et al.,
 *   J. Am. Chem. Soc. 109, 3639 (1987)).
 */
import { InputError } from '../core/errors.js';
import {
  type Crystal,
  createCrystal,
  expandSymmetry,
  type LatticeParameters,
  parseSymmetryOperation,
  type Site,
  type SymmetryOperation,
} from './crystal.js';
import { mulMat3, type Vec3 } from './linalg.js';

function cubic(a: number): LatticeParameters {
  return { a, b: a, c: a, alphaDeg: 90, betaDeg: 90, gammaDeg: 90 };
}

function hexagonal(a: number, c: number): LatticeParameters {
  return { a, b: a, c, alphaDeg: 90, betaDeg: 90, gammaDeg: 120 };
}

const FCC_TRANSLATIONS: Vec3[] = [
  [0, 0, 0],
  [0, 0.5, 0.5],
  [0.5, 0, 0.5],
  [0.5, 0.5, 0],
];

function withTranslations(element: string, base: Vec3, translations: Vec3[]): Site[] {
  return translations.map((t) => ({
    element,
    frac: [base[0] + t[0], base[1] + t[1], base[2] + t[2]] as Vec3,
  }));
}

/** fcc metal with lattice constant a [Å]. */
export function fccCrystal(name: string, element: string, a: number): Crystal {
  return createCrystal(
    name,
    cubic(a),
    withTranslations(element, [0, 0, 0], FCC_TRANSLATIONS),
    'fcc',
  );
}

/** bcc metal with lattice constant a [Å]. */
export function bccCrystal(name: string, element: string, a: number): Crystal {
  const sites = withTranslations(
    element,
    [0, 0, 0],
    [
      [0, 0, 0],
      [0.5, 0.5, 0.5],
    ],
  );
  return createCrystal(name, cubic(a), sites, 'bcc');
}

/** Zincblende AB (diamond when A = B) with lattice constant a [Å]. */
export function zincblendeCrystal(name: string, a: string, b: string, lattice: number): Crystal {
  const sites = [
    ...withTranslations(a, [0, 0, 0], FCC_TRANSLATIONS),
    ...withTranslations(b, [0.25, 0.25, 0.25], FCC_TRANSLATIONS),
  ];
  return createCrystal(name, cubic(lattice), sites, a === b ? 'diamond' : 'zincblende');
}

/**
 * Wurtzite AB (P6₃mc): A at (1/3, 2/3, 0), (2/3, 1/3, 1/2); B shifted by u·c along c.
 *
 * @param a, c hexagonal lattice constants [Å]
 * @param u internal parameter (ideal 3/8)
 */
export function wurtziteCrystal(
  name: string,
  cation: string,
  anion: string,
  a: number,
  c: number,
  u: number,
): Crystal {
  const sites: Site[] = [
    { element: cation, frac: [1 / 3, 2 / 3, 0] },
    { element: cation, frac: [2 / 3, 1 / 3, 0.5] },
    { element: anion, frac: [1 / 3, 2 / 3, u] },
    { element: anion, frac: [2 / 3, 1 / 3, 0.5 + u] },
  ];
  return createCrystal(name, hexagonal(a, c), sites, 'wurtzite');
}

/** Closes a set of symmetry operations under composition (fractional translations mod 1). */
export function closeGroup(generators: SymmetryOperation[]): SymmetryOperation[] {
  const key = (op: SymmetryOperation) =>
    [...op.rotation, ...op.translation.map((t) => Math.round((((t % 1) + 1) % 1) * 48) % 48)].join(
      ',',
    );
  const norm = (op: SymmetryOperation): SymmetryOperation => ({
    rotation: op.rotation,
    translation: op.translation.map((t) => (((t % 1) + 1) % 1) % 1) as Vec3,
  });
  const group = new Map<string, SymmetryOperation>();
  const identity = parseSymmetryOperation('x,y,z');
  group.set(key(identity), identity);
  let frontier = [identity];
  while (frontier.length > 0) {
    const next: SymmetryOperation[] = [];
    for (const a of frontier) {
      for (const g of generators) {
        const r = mulMat3(g.rotation, a.rotation);
        const t = g.translation.map(
          (gt, i) =>
            gt +
            g.rotation[3 * i] * a.translation[0] +
            g.rotation[3 * i + 1] * a.translation[1] +
            g.rotation[3 * i + 2] * a.translation[2],
        ) as Vec3;
        const op = norm({ rotation: r, translation: t });
        const k = key(op);
        if (!group.has(k)) {
          group.set(k, op);
          next.push(op);
        }
      }
    }
    frontier = next;
    if (group.size > 1000) throw new Error('symmetry generators do not close to a finite group');
  }
  return [...group.values()];
}

/** Generators of Fd-3m (No. 227), origin choice 2 (International Tables vol. A). */
const FD3M_GENERATORS = [
  '-x+3/4,-y+1/4,z+1/2',
  '-x+1/4,y+1/2,-z+3/4',
  'z,x,y',
  'y+3/4,x+1/4,-z+1/2',
  '-x,-y,-z',
  'x,y+1/2,z+1/2',
  'x+1/2,y,z+1/2',
].map(parseSymmetryOperation);

let fd3m: SymmetryOperation[] | null = null;

/**
 * Spinel AB2O4 (Fd-3m, origin choice 2): A on 8a (1/8, 1/8, 1/8), B on 16d (1/2, 1/2, 1/2),
 * O on 32e (x, x, x).
 */
export function spinelCrystal(name: string, a: string, b: string, lattice: number, x: number) {
  fd3m ??= closeGroup(FD3M_GENERATORS);
  const sites = expandSymmetry(
    cubic(lattice),
    [
      { element: a, frac: [1 / 8, 1 / 8, 1 / 8] },
      { element: b, frac: [0.5, 0.5, 0.5] },
      { element: 'O', frac: [x, x, x] },
    ],
    fd3m,
  );
  return createCrystal(name, cubic(lattice), sites, 'spinel');
}

/** Rutile MO2 (P4₂/mnm): M on 2a, O on 4f (u, u, 0). */
export function rutileCrystal(name: string, metal: string, a: number, c: number, u: number) {
  const sites: Site[] = [
    { element: metal, frac: [0, 0, 0] },
    { element: metal, frac: [0.5, 0.5, 0.5] },
    { element: 'O', frac: [u, u, 0] },
    { element: 'O', frac: [1 - u, 1 - u, 0] },
    { element: 'O', frac: [0.5 + u, 0.5 - u, 0.5] },
    { element: 'O', frac: [0.5 - u, 0.5 + u, 0.5] },
  ];
  return createCrystal(
    name,
    { a, b: a, c, alphaDeg: 90, betaDeg: 90, gammaDeg: 90 },
    sites,
    'rutile',
  );
}

const BUILDERS: Record<string, () => Crystal> = {
  Au: () => fccCrystal('Au', 'Au', 4.0782),
  Ag: () => fccCrystal('Ag', 'Ag', 4.0853),
  Cu: () => fccCrystal('Cu', 'Cu', 3.6149),
  Pt: () => fccCrystal('Pt', 'Pt', 3.9242),
  Pd: () => fccCrystal('Pd', 'Pd', 3.8907),
  Fe: () => bccCrystal('Fe', 'Fe', 2.8665),
  Si: () => zincblendeCrystal('Si', 'Si', 'Si', 5.4310205),
  C: () => zincblendeCrystal('C', 'C', 'C', 3.56683),
  CdSe: () => wurtziteCrystal('CdSe', 'Cd', 'Se', 4.2999, 7.0109, 0.376),
  ZnO: () => wurtziteCrystal('ZnO', 'Zn', 'O', 3.2495, 5.2069, 0.3825),
  ZnS: () => zincblendeCrystal('ZnS', 'Zn', 'S', 5.4093),
  Fe3O4: () => spinelCrystal('Fe3O4', 'Fe', 'Fe', 8.3941, 0.2549),
  Co3O4: () => spinelCrystal('Co3O4', 'Co', 'Co', 8.084, 0.2632),
  TiO2: () => rutileCrystal('TiO2', 'Ti', 4.5937, 2.9587, 0.30478),
};

/** Names of the built-in materials. */
export const MATERIAL_NAMES: readonly string[] = Object.keys(BUILDERS);

const cache = new Map<string, Crystal>();

/**
 * A built-in material by name ("Au", "CdSe", "Fe3O4", …; see `MATERIAL_NAMES`).
 *
 * @throws InputError naming the known materials for an unknown name
 */
export function material(name: string): Crystal {
  const build = BUILDERS[name];
  if (!build) {
    throw new InputError(
      `unknown material "${name}"; built-in materials are ${MATERIAL_NAMES.join(', ')} (or give a CIF file)`,
    );
  }
  let crystal = cache.get(name);
  if (!crystal) {
    crystal = build();
    cache.set(name, crystal);
  }
  return structuredClone(crystal);
}
