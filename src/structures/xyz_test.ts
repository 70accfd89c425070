import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Atoms } from '../core/atoms.js';
import { InputError } from '../core/errors.js';
import { referencePath } from '../test-utils/reference.js';
import { formatExtendedXyz, formatPrismaticXyz, parseExtendedXyz } from './xyz.js';

const atoms: Atoms = {
  cell: [12.5, 10, 30.25],
  numbers: new Uint8Array([79, 6, 48]),
  positions: new Float64Array([1.25, 2.5, 3.123456, 11.999999, 0, 29.5, 6, 5, 15]),
  labels: new Int32Array([1, 0, 2]),
};

describe('extended XYZ', () => {
  it('writes the header ASE reads: Lattice, Properties with a label column, pbc', () => {
    const text = formatExtendedXyz(atoms);
    const lines = text.split('\n');
    expect(lines[0]).toBe('3');
    expect(lines[1]).toBe(
      'Lattice="12.500000 0.0 0.0 0.0 10.000000 0.0 0.0 0.0 30.250000" Properties=species:S:1:pos:R:3:label:I:1 pbc="T T F"',
    );
    expect(lines[2]).toBe('Au 1.250000 2.500000 3.123456 1');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('round-trips through our reader to 1e-6 Å', () => {
    const back = parseExtendedXyz(formatExtendedXyz(atoms));
    expect(back.cell).toEqual(atoms.cell);
    expect(back.numbers).toEqual(atoms.numbers);
    expect(back.labels).toEqual(atoms.labels);
    let worst = 0;
    for (const [i, v] of back.positions.entries())
      worst = Math.max(worst, Math.abs(v - atoms.positions[i]));
    expect(worst).toBeLessThanOrEqual(5e-7);
  });

  it('reads the shared reference file written by ASE (no label column → 0)', () => {
    const path = referencePath('abtem-au-sphere/au_np_r15.xyz');
    const ref = parseExtendedXyz(readFileSync(path, 'utf8'), path);
    expect(ref.numbers.length).toBe(887);
    expect(ref.cell).toEqual([40, 40, 35]);
    expect(ref.numbers.every((z) => z === 79)).toBe(true);
    expect(ref.labels.every((l) => l === 0)).toBe(true);
  });

  it('reports malformed lines with file and line number', () => {
    const text = formatExtendedXyz(atoms).replace(
      'Au 1.250000 2.500000 3.123456 1',
      'Au 1.25 oops 3 1',
    );
    expect(() => parseExtendedXyz(text, 'a.xyz')).toThrow('a.xyz:3: bad coordinate "oops"');
    const bad = formatExtendedXyz(atoms).replace('C 11.999999', 'Qx 11.999999');
    expect(() => parseExtendedXyz(bad, 'a.xyz')).toThrow(/^a\.xyz:4: unknown element symbol "Qx"/);
    expect(() => parseExtendedXyz('x\n', 'a.xyz')).toThrow(InputError);
    expect(() => parseExtendedXyz('1\nLattice="1 1 0 0 1 0 0 0 1"\nH 0 0 0\n', 'a.xyz')).toThrow(
      'a.xyz:2: only orthorhombic cells (diagonal Lattice) are supported',
    );
  });
});

describe('Prismatic XYZ', () => {
  it('writes comment, cell, "Z x y z occupancy rms" lines and the -1 terminator', () => {
    const text = formatPrismaticXyz(atoms, 'test scene', { Au: 0.085, C: 0.1 });
    expect(text.split('\n')).toEqual([
      'test scene',
      '    12.500000 10.000000 30.250000',
      '79 1.250000 2.500000 3.123456 1.0 0.0850',
      '6 11.999999 0.000000 29.500000 1.0 0.1000',
      '48 6.000000 5.000000 15.000000 1.0 0.0800',
      '-1',
      '',
    ]);
  });
});

// ASE itself, where Debian's python3-ase is installed: the file must load with cell, pbc and labels.
const asePython = ['/usr/bin/python3', 'python3'].find((py) => {
  try {
    execFileSync(py, ['-c', 'import ase.io'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

describe.skipIf(asePython === undefined)('extended XYZ read by ASE', () => {
  it('loads our file with the same cell, pbc, species, positions and labels', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrtem-xyz-'));
    try {
      const path = join(dir, 'a.xyz');
      writeFileSync(path, formatExtendedXyz(atoms));
      const script =
        'import sys, json; from ase.io import read; a = read(sys.argv[1]); ' +
        'print(json.dumps({"cell": a.cell.lengths().tolist(), "pbc": a.pbc.tolist(), ' +
        '"numbers": a.numbers.tolist(), "positions": a.positions.ravel().tolist(), ' +
        '"label": a.arrays["label"].tolist()}))';
      const out = JSON.parse(execFileSync(asePython!, ['-c', script, path], { encoding: 'utf8' }));
      expect(out.cell).toEqual(atoms.cell);
      expect(out.pbc).toEqual([true, true, false]);
      expect(out.numbers).toEqual([...atoms.numbers]);
      expect(out.label).toEqual([...atoms.labels]);
      for (const [i, v] of out.positions.entries()) {
        expect(Math.abs(v - atoms.positions[i])).toBeLessThanOrEqual(5e-7);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads our Prismatic file with ASE's prismatic reader", () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrtem-xyz-'));
    try {
      const path = join(dir, 'a.xyz');
      writeFileSync(path, formatPrismaticXyz(atoms, 'scene', 0.1));
      const script =
        'import sys, json; from ase.io import read; a = read(sys.argv[1], format="prismatic"); ' +
        'print(json.dumps({"cell": a.cell.lengths().tolist(), "numbers": a.numbers.tolist(), ' +
        '"positions": a.positions.ravel().tolist(), "occ": a.get_array("occupancies").tolist()}))';
      const out = JSON.parse(execFileSync(asePython!, ['-c', script, path], { encoding: 'utf8' }));
      expect(out.cell).toEqual(atoms.cell);
      expect(out.numbers).toEqual([...atoms.numbers]);
      expect(out.occ).toEqual([1, 1, 1]);
      let worst = 0;
      for (const [i, v] of out.positions.entries())
        worst = Math.max(worst, Math.abs(v - atoms.positions[i]));
      expect(worst).toBeLessThanOrEqual(5e-7);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
