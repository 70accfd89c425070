/**
 * Reader for the extended XYZ scenes written by the structures stage:
 *   line 1: atom count
 *   line 2: Lattice="a 0 0 0 b 0 0 0 c" Properties=species:S:1:pos:R:3[:label:I:1] …
 *   then one line per atom: symbol x y z [label]   (Å; label 0 = substrate, k ≥ 1 = particle k)
 * Only orthorhombic lattices are accepted. Kept private to this stage until a shared reader exists.
 */
import { readFileSync } from 'node:fs';
import type { Atoms } from '../core/atoms.js';
import { InputError } from '../core/errors.js';
import { getParametrization } from '../potential/parametrization.js';

let symbolToZ: Map<string, number> | null = null;

/** Atomic number of a chemical symbol (H … Lr), case-sensitive as in the periodic table. */
export function atomicNumber(symbol: string): number | undefined {
  if (symbolToZ === null) {
    const p = getParametrization('kirkland');
    symbolToZ = new Map();
    for (let z = 1; z <= p.maxZ; z++) symbolToZ.set(p.symbol(z), z);
  }
  return symbolToZ.get(symbol);
}

/**
 * Parses extended XYZ text.
 * @param text file contents
 * @param source the file name, for error messages
 * @throws InputError naming the file and line for any malformed content
 */
export function parseExtendedXyz(text: string, source = 'xyz'): Atoms {
  const lines = text.split(/\r?\n/);
  const count = Number(lines[0]?.trim());
  if (!Number.isInteger(count) || count < 0) {
    throw new InputError(`${source}:1: expected the atom count, got '${lines[0]}'`);
  }
  const header = lines[1] ?? '';
  const lattice = /Lattice="([^"]+)"/.exec(header)?.[1]?.trim().split(/\s+/).map(Number);
  if (lattice?.length !== 9 || lattice.some((v) => !Number.isFinite(v))) {
    throw new InputError(`${source}:2: missing or malformed Lattice="…" (9 numbers)`);
  }
  const offDiagonal = [1, 2, 3, 5, 6, 7].some((i) => Math.abs(lattice[i]) > 1e-9);
  if (offDiagonal) {
    throw new InputError(
      `${source}:2: only orthorhombic cells are supported (Lattice must be diagonal)`,
    );
  }
  const props = /Properties=(\S+)/.exec(header)?.[1] ?? 'species:S:1:pos:R:3';
  const columns = parseProperties(props, source);
  const numbers = new Uint8Array(count);
  const positions = new Float64Array(3 * count);
  const labels = new Int32Array(count);
  for (let j = 0; j < count; j++) {
    const lineNo = j + 3;
    const fields = (lines[j + 2] ?? '').trim().split(/\s+/);
    const symbol = fields[columns.species];
    const z = symbol === undefined ? undefined : atomicNumber(symbol);
    if (z === undefined) {
      throw new InputError(
        `${source}:${lineNo}: unknown chemical symbol '${symbol}' (scattering factors exist for H–Lr, Z = 1–103)`,
      );
    }
    numbers[j] = z;
    for (let d = 0; d < 3; d++) {
      const v = Number(fields[columns.pos + d]);
      if (!Number.isFinite(v))
        throw new InputError(`${source}:${lineNo}: bad coordinate '${fields[columns.pos + d]}'`);
      positions[3 * j + d] = v;
    }
    if (columns.label >= 0) {
      const l = Number(fields[columns.label]);
      if (!Number.isInteger(l))
        throw new InputError(`${source}:${lineNo}: bad label '${fields[columns.label]}'`);
      labels[j] = l;
    }
  }
  return { cell: [lattice[0], lattice[4], lattice[8]], numbers, positions, labels };
}

function parseProperties(
  props: string,
  source: string,
): { species: number; pos: number; label: number } {
  const parts = props.split(':');
  let column = 0;
  const found = { species: -1, pos: -1, label: -1 };
  for (let i = 0; i + 2 < parts.length; i += 3) {
    const name = parts[i];
    const width = Number(parts[i + 2]);
    if (name === 'species') found.species = column;
    if (name === 'pos') found.pos = column;
    if (name === 'label') found.label = column;
    column += width;
  }
  if (found.species < 0 || found.pos < 0) {
    throw new InputError(
      `${source}:2: Properties must include species:S:1 and pos:R:3, got '${props}'`,
    );
  }
  return found;
}

/** Reads an extended XYZ file. */
export function readExtendedXyz(path: string): Atoms {
  return parseExtendedXyz(readFileSync(path, 'utf8'), path);
}
