import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import type { StructureWarning } from './cif.js';
import { parseCif } from './cif.js';
import { atomsInSphere } from './crystal.js';
import { minPairDistance } from './test-helpers.js';

// Gold in P1: the four atoms of the conventional fcc cell, written out by hand.
const AU_P1 = `# fcc gold, expanded by hand
data_Au_P1
_cell_length_a    4.0782(2)
_cell_length_b    4.0782
_cell_length_c    4.0782
_cell_angle_alpha 90
_cell_angle_beta  90.000
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 1'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Au1 Au 0.0 0.0 0.0
Au2 Au 0.0 0.5 0.5
Au3 Au 0.5 0.0 0.5
Au4 Au 0.5 0.5 0.0
`;

// Rutile TiO2 from its asymmetric unit and the 16 operations of P4_2/mnm (International Tables
// vol. A, No. 136), quoted as a database would write them.
const RUTILE = `data_rutile
_cell_length_a 4.5937
_cell_length_b 4.5937
_cell_length_c 2.9587
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_space_group_name_H-M_alt 'P 42/m n m'
loop_
_space_group_symop_id
_space_group_symop_operation_xyz
1 'x, y, z'
2 '-x, -y, z'
3 '-y+1/2, x+1/2, z+1/2'
4 'y+1/2, -x+1/2, z+1/2'
5 '-x+1/2, y+1/2, -z+1/2'
6 'x+1/2, -y+1/2, -z+1/2'
7 'y, x, -z'
8 '-y, -x, -z'
9 '-x, -y, -z'
10 'x, y, -z'
11 'y+1/2, -x+1/2, -z+1/2'
12 '-y+1/2, x+1/2, -z+1/2'
13 'x+1/2, -y+1/2, z+1/2'
14 '-x+1/2, y+1/2, z+1/2'
15 '-y, -x, z'
16 'y, x, z'
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
Ti1 0 0 0 1.0
O1 0.30478 0.30478 0 1.0
`;

describe('parseCif', () => {
  it('reads a P1 file with uncertainties in the numbers', () => {
    const au = parseCif(AU_P1, 'au.cif');
    expect(au.name).toBe('Au_P1');
    expect(au.lattice.a).toBe(4.0782);
    expect(au.sites.length).toBe(4);
    expect(minPairDistance(atomsInSphere(au, [0.1, 0.1, 0.1], 6))).toBeCloseTo(2.8837, 3);
  });

  it('expands an asymmetric unit with _space_group_symop_operation_xyz: rutile has 2 Ti + 4 O', () => {
    const rutile = parseCif(RUTILE, 'rutile.cif');
    expect(rutile.sites.filter((s) => s.element === 'Ti').length).toBe(2);
    expect(rutile.sites.filter((s) => s.element === 'O').length).toBe(4);
    const o = rutile.sites
      .filter((s) => s.element === 'O')
      .map((s) => s.frac.map((v) => v.toFixed(5)).join(' '));
    // Hand-checked 4f positions: (u,u,0), (−u,−u,0), (½+u,½−u,½), (½−u,½+u,½).
    expect(o.sort()).toEqual([
      '0.19522 0.80478 0.50000',
      '0.30478 0.30478 0.00000',
      '0.69522 0.69522 0.00000',
      '0.80478 0.19522 0.50000',
    ]);
  });

  it('accepts the older _symmetry_equiv_pos_as_xyz tag and warns about partial occupancy', () => {
    const text = `data_x
_cell_length_a 4
_cell_length_b 4
_cell_length_c 4
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
_symmetry_equiv_pos_as_xyz
x,y,z
x+1/2,y+1/2,z+1/2
loop_
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
Fe3+ 0 0 0 0.5
`;
    const warnings: StructureWarning[] = [];
    const c = parseCif(text, 'x.cif', (w) => warnings.push(w));
    expect(c.sites.map((s) => s.element)).toEqual(['Fe', 'Fe']);
    expect(warnings.map((w) => w.code)).toEqual(['cif-partial-occupancy']);
    expect(warnings[0].message).toMatch(/^x\.cif:18: /);
  });

  it('reads semicolon text fields, double quotes and loop rows spread over lines', () => {
    const text = `data_multi
_publ_section_title
;
A title with 'quotes' and _tags_ inside
;
_chemical_name_common "gold, fcc"
_cell_length_a 4.0782
_cell_length_b 4.0782
_cell_length_c 4.0782
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
_atom_site_label _atom_site_fract_x _atom_site_fract_y _atom_site_fract_z
Au1 0 0
0 Au2 0 0.5 0.5 Au3 0.5 0 0.5
Au4 0.5 0.5 0 # a comment
`;
    const au = parseCif(text, 'm.cif');
    expect(au.sites.length).toBe(4);
    expect(au.sites.every((s) => s.element === 'Au')).toBe(true);
  });

  it('reports a malformed line with file and line number', () => {
    const broken = AU_P1.replace('Au3 Au 0.5 0.0 0.5', 'Au3 Au 0.5 0.0');
    expect(() => parseCif(broken, 'broken.cif')).toThrow(InputError);
    expect(() => parseCif(broken, 'broken.cif')).toThrow(
      /^broken\.cif:18: loop starting at line 10 has 19 values for 5 tags/,
    );
    const badNumber = AU_P1.replace('_cell_length_b    4.0782', '_cell_length_b    4.07x2');
    expect(() => parseCif(badNumber, 'b.cif')).toThrow(
      'b.cif:4: _cell_length_b must be a number, got "4.07x2"',
    );
    const stray = AU_P1.replace('_cell_angle_alpha 90', '_cell_angle_alpha 90 91');
    expect(() => parseCif(stray, 's.cif')).toThrow(
      's.cif:6: unexpected value "91" outside a tag or loop',
    );
    const quote = AU_P1.replace("'P 1'", "'P 1");
    expect(() => parseCif(quote, 'q.cif')).toThrow(/^q\.cif:9: unterminated quoted string/);
    const op = RUTILE.replace("'-x, -y, z'", "'-x, -q, z'");
    expect(() => parseCif(op, 'op.cif')).toThrow(/^op\.cif:13: cannot read symmetry operation/);
  });

  it('rejects unknown elements, missing cells and space groups without operations', () => {
    expect(() => parseCif(AU_P1.replace('Au2 Au', 'Au2 Xq'), 'e.cif')).toThrow(
      /^e\.cif:17: site label "Xq" does not start with a known element symbol/,
    );
    expect(() => parseCif(AU_P1.replace(/_cell_length_c.*\n/, ''), 'c.cif')).toThrow(
      'c.cif: data_Au_P1 lacks _cell_length_c',
    );
    expect(() => parseCif(AU_P1.replace("'P 1'", "'F m -3 m'"), 'g.cif')).toThrow(
      /g\.cif:9: space group F m -3 m is given without symmetry operations/,
    );
    expect(() => parseCif('# nothing\n', 'n.cif')).toThrow('n.cif: no data_ block found');
  });
});
