import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import {
  atomsInSphere,
  createCrystal,
  latticePointGroup,
  numberDensity,
  parseSymmetryOperation,
  planeSpacing,
} from './crystal.js';
import { MATERIAL_NAMES, material } from './materials.js';
import { minPairDistance } from './test-helpers.js';

describe('built-in materials', () => {
  it('give the literature nearest-neighbour distances (Au 2.884, Si 2.352, CdSe 2.63 Å) to 0.005 Å', () => {
    const near = (name: string) => atomsInSphere(material(name), [0.1, 0.2, 0.3], 9);
    expect(minPairDistance(near('Au'))).toBeCloseTo(2.884, 2);
    expect(Math.abs(minPairDistance(near('Au')) - 2.884)).toBeLessThan(0.005);
    expect(Math.abs(minPairDistance(near('Si')) - 2.352)).toBeLessThan(0.005);
    expect(Math.abs(minPairDistance(near('CdSe'), 48, 34) - 2.63)).toBeLessThan(0.005);
  });

  it('build spinel Fe3O4 with 8 + 16 + 32 atoms and Fleet (1981) bond lengths', () => {
    const fe3o4 = material('Fe3O4');
    expect(fe3o4.sites.length).toBe(56);
    expect(fe3o4.sites.filter((s) => s.element === 'O').length).toBe(32);
    // Tetrahedral Fe–O 1.888 Å, octahedral Fe–O 2.059 Å (Fleet 1981); check the shorter one.
    const near = atomsInSphere(fe3o4, [0.1, 0.2, 0.3], 8);
    expect(Math.abs(minPairDistance(near, 26, 8) - 1.888)).toBeLessThan(0.005);
  });

  it('build rutile TiO2 with Ti–O 1.949 Å (Burdett et al. 1987)', () => {
    const near = atomsInSphere(material('TiO2'), [0.1, 0.2, 0.3], 8);
    expect(Math.abs(minPairDistance(near, 22, 8) - 1.949)).toBeLessThan(0.005);
  });

  it('have no pair of atoms closer than 1.5 Å and densities between 0.03 and 0.2 atoms/Å³', () => {
    for (const name of MATERIAL_NAMES) {
      const c = material(name);
      expect(minPairDistance(atomsInSphere(c, [0.1, 0.2, 0.3], 7)), name).toBeGreaterThan(1.5);
      expect(numberDensity(c), name).toBeGreaterThan(0.03);
      expect(numberDensity(c), name).toBeLessThan(0.2);
    }
  });

  it('rejects unknown materials naming the known ones', () => {
    expect(() => material('Unobtainium')).toThrow(InputError);
    expect(() => material('Unobtainium')).toThrow(/built-in materials are Au, Ag/);
  });
});

describe('createCrystal', () => {
  it('rejects unknown elements, empty bases and impossible angles', () => {
    const cubic = { a: 4, b: 4, c: 4, alphaDeg: 90, betaDeg: 90, gammaDeg: 90 };
    expect(() => createCrystal('x', cubic, [{ element: 'Qq', frac: [0, 0, 0] }])).toThrow(
      /unknown element symbol "Qq"/,
    );
    expect(() => createCrystal('x', cubic, [])).toThrow(InputError);
    expect(() =>
      createCrystal('x', { ...cubic, alphaDeg: 150, betaDeg: 150, gammaDeg: 150 }, [
        { element: 'C', frac: [0, 0, 0] },
      ]),
    ).toThrow(/do not form a cell/);
    expect(() =>
      createCrystal('x', { ...cubic, a: -1 }, [{ element: 'C', frac: [0, 0, 0] }]),
    ).toThrow(RangeError);
  });

  it('gives hexagonal plane spacings d(001) = c and d(100) = a·√3/2', () => {
    const cdse = material('CdSe');
    expect(planeSpacing(cdse, [0, 0, 1])).toBeCloseTo(cdse.lattice.c, 12);
    expect(planeSpacing(cdse, [1, 0, 0])).toBeCloseTo((cdse.lattice.a * Math.sqrt(3)) / 2, 12);
  });

  it('finds the lattice point groups: 48 operations for cubic, 24 for hexagonal, 16 for tetragonal', () => {
    expect(latticePointGroup(material('Au')).length).toBe(48);
    expect(latticePointGroup(material('CdSe')).length).toBe(24);
    expect(latticePointGroup(material('TiO2')).length).toBe(16);
  });
});

describe('parseSymmetryOperation', () => {
  it('reads rotations and fractional translations in any order and case', () => {
    const op = parseSymmetryOperation("'-y+1/2, X-y, z+0.25'");
    expect(op.rotation).toEqual([0, -1, 0, 1, -1, 0, 0, 0, 1]);
    expect(op.translation).toEqual([0.5, 0, 0.25]);
    const op2 = parseSymmetryOperation('1/2+x,-Y,3/4-z');
    expect(op2.rotation).toEqual([1, 0, 0, 0, -1, 0, 0, 0, -1]);
    expect(op2.translation).toEqual([0.5, 0, 0.75]);
  });

  it('rejects malformed operations', () => {
    expect(() => parseSymmetryOperation('x,y')).toThrow(/three comma-separated parts/);
    expect(() => parseSymmetryOperation('x,y,w')).toThrow(InputError);
  });
});
