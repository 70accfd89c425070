/**
 * A small reader for Crystallographic Information Files (CIF 1.1): the first data block's cell,
 * symmetry operations (`_symmetry_equiv_pos_as_xyz` or `_space_group_symop_operation_xyz`) and
 * atom sites (`_atom_site_fract_x/y/z` with `_atom_site_type_symbol` or `_atom_site_label`).
 * Without symmetry operations the file must be P1. Occupancies below 1 are not modelled: every
 * site is filled (a warning says so). Numbers may carry standard uncertainties, "4.0782(3)".
 *
 * No maintained CIF parser exists on npm, so this one covers the subset that structure databases
 * (COD, ICSD exports, Materials Project, VESTA) write.
 */
import { readFileSync } from 'node:fs';
import { elementFromLabel } from '../core/elements.js';
import { InputError } from '../core/errors.js';
import {
  type Crystal,
  createCrystal,
  expandSymmetry,
  parseSymmetryOperation,
  type Site,
  type SymmetryOperation,
} from './crystal.js';
import type { Vec3 } from './linalg.js';

interface Token {
  text: string;
  line: number;
  quoted: boolean;
}

interface CifValue {
  text: string;
  line: number;
}

interface CifBlock {
  name: string;
  items: Map<string, CifValue>;
  loops: { tags: string[]; rows: CifValue[][]; line: number }[];
}

/** Warning callback payload. */
export interface StructureWarning {
  code: string;
  message: string;
}

function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = i + 1;
    if (line.startsWith(';')) {
      const parts = [line.slice(1)];
      let j = i + 1;
      while (j < lines.length && !lines[j].startsWith(';')) parts.push(lines[j++]);
      if (j >= lines.length) {
        throw new InputError(`${file}:${lineNo}: text field opened with ";" is never closed`);
      }
      tokens.push({ text: parts.join('\n'), line: lineNo, quoted: true });
      i = j;
      continue;
    }
    let pos = 0;
    while (pos < line.length) {
      const ch = line[pos];
      if (ch === ' ' || ch === '\t') {
        pos++;
      } else if (ch === '#') {
        break;
      } else if (ch === "'" || ch === '"') {
        // A quote closes only when followed by whitespace or the end of the line (CIF 1.1).
        let end = pos + 1;
        while (
          end < line.length &&
          !(line[end] === ch && (end + 1 === line.length || /\s/.test(line[end + 1])))
        )
          end++;
        if (end >= line.length) {
          throw new InputError(
            `${file}:${lineNo}: unterminated quoted string starting ${line.slice(pos)}`,
          );
        }
        tokens.push({ text: line.slice(pos + 1, end), line: lineNo, quoted: true });
        pos = end + 1;
      } else {
        let end = pos;
        while (end < line.length && line[end] !== ' ' && line[end] !== '\t') end++;
        tokens.push({ text: line.slice(pos, end), line: lineNo, quoted: false });
        pos = end;
      }
    }
  }
  return tokens;
}

function isReserved(t: Token, word: string): boolean {
  return !t.quoted && t.text.toLowerCase().startsWith(word);
}

function parseBlocks(text: string, file: string): CifBlock[] {
  const tokens = tokenize(text, file);
  const blocks: CifBlock[] = [];
  let block: CifBlock | null = null;
  let i = 0;
  const need = (t: Token): CifBlock => {
    if (!block)
      throw new InputError(`${file}:${t.line}: "${t.text}" appears before any data_ block`);
    return block;
  };
  while (i < tokens.length) {
    const t = tokens[i];
    if (isReserved(t, 'data_')) {
      block = { name: t.text.slice(5), items: new Map(), loops: [] };
      blocks.push(block);
      i++;
    } else if (isReserved(t, 'loop_')) {
      const b = need(t);
      const tags: string[] = [];
      i++;
      while (i < tokens.length && !tokens[i].quoted && tokens[i].text.startsWith('_')) {
        tags.push(tokens[i].text.toLowerCase());
        i++;
      }
      if (tags.length === 0) throw new InputError(`${file}:${t.line}: loop_ without tags`);
      const values: CifValue[] = [];
      while (
        i < tokens.length &&
        (tokens[i].quoted ||
          !(
            tokens[i].text.startsWith('_') ||
            /^(loop_|data_|save_|global_|stop_)/i.test(tokens[i].text)
          ))
      ) {
        values.push({ text: tokens[i].text, line: tokens[i].line });
        i++;
      }
      if (values.length % tags.length !== 0) {
        // With one row per line (the usual layout) the short line is the culprit.
        const perLine = new Map<number, number>();
        for (const v of values) perLine.set(v.line, (perLine.get(v.line) ?? 0) + 1);
        const short = [...perLine.entries()].find(([, n]) => n % tags.length !== 0);
        const last = short ? { line: short[0] } : (values[values.length - 1] ?? { line: t.line });
        throw new InputError(
          `${file}:${last.line}: loop starting at line ${t.line} has ${values.length} values for ${tags.length} tags (${tags.join(', ')}); a row is incomplete`,
        );
      }
      const rows: CifValue[][] = [];
      for (let r = 0; r < values.length; r += tags.length)
        rows.push(values.slice(r, r + tags.length));
      b.loops.push({ tags, rows, line: t.line });
    } else if (!t.quoted && t.text.startsWith('_')) {
      const b = need(t);
      const v = tokens[i + 1];
      if (!v || (!v.quoted && (v.text.startsWith('_') || /^(loop_|data_)/i.test(v.text)))) {
        throw new InputError(`${file}:${t.line}: tag ${t.text} has no value`);
      }
      b.items.set(t.text.toLowerCase(), { text: v.text, line: v.line });
      i += 2;
    } else {
      throw new InputError(`${file}:${t.line}: unexpected value "${t.text}" outside a tag or loop`);
    }
  }
  return blocks;
}

function cifNumber(v: CifValue, what: string, file: string): number {
  const cleaned = v.text.replace(/\(\d+\)$/, '');
  const x = Number(cleaned);
  if (cleaned === '' || !Number.isFinite(x)) {
    throw new InputError(`${file}:${v.line}: ${what} must be a number, got "${v.text}"`);
  }
  return x;
}

function columnOf(block: CifBlock, ...names: string[]): { values: CifValue[]; tag: string } | null {
  for (const name of names) {
    for (const loop of block.loops) {
      const idx = loop.tags.indexOf(name);
      if (idx >= 0) return { values: loop.rows.map((r) => r[idx]), tag: name };
    }
    const single = block.items.get(name);
    if (single) return { values: [single], tag: name };
  }
  return null;
}

/**
 * Parses CIF text into a crystal (symmetry applied).
 *
 * @param text the file's content
 * @param file the file name used in error messages (file:line)
 * @throws InputError with file and line for malformed content or missing cell/atom data
 */
export function parseCif(
  text: string,
  file = '<cif>',
  onWarning?: (w: StructureWarning) => void,
): Crystal {
  const blocks = parseBlocks(text, file);
  if (blocks.length === 0) throw new InputError(`${file}: no data_ block found`);
  const block = blocks[0];
  const item = (name: string): number => {
    const v = block.items.get(name);
    if (!v) throw new InputError(`${file}: data_${block.name} lacks ${name}`);
    return cifNumber(v, name, file);
  };
  const lattice = {
    a: item('_cell_length_a'),
    b: item('_cell_length_b'),
    c: item('_cell_length_c'),
    alphaDeg: item('_cell_angle_alpha'),
    betaDeg: item('_cell_angle_beta'),
    gammaDeg: item('_cell_angle_gamma'),
  };

  const ops = readOperations(block, file);
  const sites = readSites(block, file, onWarning);
  const expanded = expandSymmetry(lattice, sites, ops);
  try {
    return createCrystal(block.name || file, lattice, expanded, 'custom');
  } catch (error) {
    if (error instanceof RangeError) throw new InputError(`${file}: ${error.message}`);
    throw error;
  }
}

function readOperations(block: CifBlock, file: string): SymmetryOperation[] {
  const column = columnOf(block, '_space_group_symop_operation_xyz', '_symmetry_equiv_pos_as_xyz');
  if (!column) {
    const hm =
      block.items.get('_symmetry_space_group_name_h-m') ??
      block.items.get('_space_group_name_h-m_alt');
    const name = hm?.text.replace(/\s+/g, '') ?? 'P1';
    if (name !== 'P1') {
      throw new InputError(
        `${file}:${hm?.line}: space group ${hm?.text} is given without symmetry operations; add a _space_group_symop_operation_xyz loop or expand the file to P1`,
      );
    }
    return [parseSymmetryOperation('x,y,z')];
  }
  return column.values.map((v) => {
    try {
      return parseSymmetryOperation(v.text);
    } catch (error) {
      if (error instanceof InputError) throw new InputError(`${file}:${v.line}: ${error.message}`);
      throw error;
    }
  });
}

function readSites(
  block: CifBlock,
  file: string,
  onWarning?: (w: StructureWarning) => void,
): Site[] {
  const fx = columnOf(block, '_atom_site_fract_x');
  const fy = columnOf(block, '_atom_site_fract_y');
  const fz = columnOf(block, '_atom_site_fract_z');
  if (!fx || !fy || !fz) {
    throw new InputError(`${file}: data_${block.name} lacks _atom_site_fract_x/y/z`);
  }
  const symbols = columnOf(block, '_atom_site_type_symbol', '_atom_site_label');
  if (!symbols) throw new InputError(`${file}: data_${block.name} lacks _atom_site_type_symbol`);
  const occupancy = columnOf(block, '_atom_site_occupancy');
  const sites: Site[] = [];
  for (let i = 0; i < fx.values.length; i++) {
    const label = symbols.values[i];
    let element: string;
    try {
      element = elementFromLabel(label.text);
    } catch (error) {
      if (error instanceof InputError)
        throw new InputError(`${file}:${label.line}: ${error.message}`);
      throw error;
    }
    const frac: Vec3 = [
      cifNumber(fx.values[i], '_atom_site_fract_x', file),
      cifNumber(fy.values[i], '_atom_site_fract_y', file),
      cifNumber(fz.values[i], '_atom_site_fract_z', file),
    ];
    if (occupancy && occupancy.values[i].text !== '.' && occupancy.values[i].text !== '?') {
      const occ = cifNumber(occupancy.values[i], '_atom_site_occupancy', file);
      if (occ < 0.999) {
        onWarning?.({
          code: 'cif-partial-occupancy',
          message: `${file}:${occupancy.values[i].line}: site ${label.text} has occupancy ${occ}; it is filled completely`,
        });
      }
    }
    sites.push({ element, frac });
  }
  return sites;
}

/** Reads a CIF file from disk; see `parseCif`. */
export function readCif(path: string, onWarning?: (w: StructureWarning) => void): Crystal {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read CIF file ${path}: ${(error as Error).message}`);
  }
  return parseCif(text, path, onWarning);
}
