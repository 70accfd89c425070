/**
 * Structure files:
 * - extended XYZ as ASE and OVITO read it: atom count; a comment line with
 *   `Lattice="lx 0 0 0 ly 0 0 0 lz" Properties=species:S:1:pos:R:3:label:I:1 pbc="T T F"`; one line
 *   per atom `Symbol x y z label`. Our reader takes any column order given by `Properties`.
 * - Prismatic's XYZ: a comment line, the cell `lx ly lz`, one line per atom
 *   `Z x y z occupancy rms` (rms thermal displacement [Å]), and a final `-1`.
 * Positions are written with 6 decimals (1e-6 Å), so equal scenes give equal bytes.
 */
import type { Atoms } from '../core/atoms.js';
import { atomicNumber, elementSymbol } from '../core/elements.js';
import { InputError } from '../core/errors.js';

const DECIMALS = 6;

/** Extended XYZ text of a scene (cell periodic in x and y). */
export function formatExtendedXyz(atoms: Atoms): string {
  const [lx, ly, lz] = atoms.cell;
  const n = atoms.numbers.length;
  const f = (v: number) => v.toFixed(DECIMALS);
  const lines = [
    String(n),
    `Lattice="${f(lx)} 0.0 0.0 0.0 ${f(ly)} 0.0 0.0 0.0 ${f(lz)}" Properties=species:S:1:pos:R:3:label:I:1 pbc="T T F"`,
  ];
  const symbols = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const z = atoms.numbers[i];
    let s = symbols.get(z);
    if (s === undefined) {
      s = elementSymbol(z);
      symbols.set(z, s);
    }
    const p = atoms.positions;
    lines.push(`${s} ${f(p[3 * i])} ${f(p[3 * i + 1])} ${f(p[3 * i + 2])} ${atoms.labels[i]}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Reads extended XYZ text (the first frame). The lattice must be orthorhombic (diagonal); a missing
 * `label` column reads as 0 (substrate).
 *
 * @param file name used in error messages (file:line)
 * @throws InputError with file and line for malformed content
 */
export function parseExtendedXyz(text: string, file = '<xyz>'): Atoms {
  const lines = text.split(/\r?\n/);
  const n = Number(lines[0]?.trim());
  if (!Number.isInteger(n) || n < 0) {
    throw new InputError(`${file}:1: first line must be the atom count, got "${lines[0]}"`);
  }
  const header = lines[1] ?? '';
  const fields = new Map<string, string>();
  for (const m of header.matchAll(/(\w+)\s*=\s*("([^"]*)"|\S+)/g)) {
    fields.set(m[1].toLowerCase(), m[3] ?? m[2]);
  }
  const lattice = fields.get('lattice')?.trim().split(/\s+/).map(Number);
  if (lattice?.length !== 9 || !lattice.every(Number.isFinite)) {
    throw new InputError(`${file}:2: comment line needs Lattice="ax ay az bx by bz cx cy cz"`);
  }
  if ([1, 2, 3, 5, 6, 7].some((i) => Math.abs(lattice[i]) > 1e-9)) {
    throw new InputError(`${file}:2: only orthorhombic cells (diagonal Lattice) are supported`);
  }
  const props = (fields.get('properties') ?? 'species:S:1:pos:R:3').split(':');
  if (props.length % 3 !== 0)
    throw new InputError(`${file}:2: malformed Properties=${props.join(':')}`);
  let column = 0;
  const where = new Map<string, { col: number; type: string; count: number }>();
  for (let i = 0; i < props.length; i += 3) {
    const count = Number(props[i + 2]);
    where.set(props[i].toLowerCase(), { col: column, type: props[i + 1], count });
    column += count;
  }
  const species = where.get('species') ?? where.get('z');
  const pos = where.get('pos');
  if (!species || !pos) throw new InputError(`${file}:2: Properties must name species and pos`);
  const label = where.get('label');
  const numbers = new Uint8Array(n);
  const positions = new Float64Array(3 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const lineNo = i + 3;
    const parts = (lines[i + 2] ?? '').trim().split(/\s+/);
    if (parts.length < column) {
      throw new InputError(`${file}:${lineNo}: expected ${column} columns, got ${parts.length}`);
    }
    const s = parts[species.col];
    numbers[i] = /^\d+$/.test(s) ? Number(s) : atomicNumberAt(s, file, lineNo);
    for (let k = 0; k < 3; k++) {
      const v = Number(parts[pos.col + k]);
      if (!Number.isFinite(v))
        throw new InputError(`${file}:${lineNo}: bad coordinate "${parts[pos.col + k]}"`);
      positions[3 * i + k] = v;
    }
    if (label) {
      const v = Number(parts[label.col]);
      if (!Number.isInteger(v))
        throw new InputError(`${file}:${lineNo}: bad label "${parts[label.col]}"`);
      labels[i] = v;
    }
  }
  return { cell: [lattice[0], lattice[4], lattice[8]], numbers, positions, labels };
}

function atomicNumberAt(symbol: string, file: string, line: number): number {
  try {
    return atomicNumber(symbol);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${file}:${line}: ${error.message}`);
    throw error;
  }
}

/**
 * Prismatic's XYZ text. Every atom gets occupancy 1 and the rms thermal displacement of its
 * element from `rmsDisplacement` (default 0.08 Å, a room-temperature order of magnitude for
 * metals; Prismatic uses it for frozen phonons).
 *
 * @param rmsDisplacement rms displacement per element symbol or one value for all [Å]
 */
export function formatPrismaticXyz(
  atoms: Atoms,
  comment = 'hrtem-ood scene',
  rmsDisplacement: number | Record<string, number> = 0.08,
): string {
  const f = (v: number) => v.toFixed(DECIMALS);
  const [lx, ly, lz] = atoms.cell;
  const lines = [comment.replace(/\n/g, ' '), `    ${f(lx)} ${f(ly)} ${f(lz)}`];
  const p = atoms.positions;
  for (let i = 0; i < atoms.numbers.length; i++) {
    const z = atoms.numbers[i];
    const rms =
      typeof rmsDisplacement === 'number'
        ? rmsDisplacement
        : (rmsDisplacement[elementSymbol(z)] ?? 0.08);
    lines.push(`${z} ${f(p[3 * i])} ${f(p[3 * i + 1])} ${f(p[3 * i + 2])} 1.0 ${rms.toFixed(4)}`);
  }
  lines.push('-1');
  return `${lines.join('\n')}\n`;
}
