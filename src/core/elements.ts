/**
 * The periodic table as symbols and atomic numbers Z (IUPAC names, Z = 1 … 118), for converting
 * between the element symbols of structure files and the atomic numbers of `Atoms`.
 */
import { InputError } from './errors.js';

// prettier-ignore
const SYMBOLS = [
  'H',
  'He',
  'Li',
  'Be',
  'B',
  'C',
  'N',
  'O',
  'F',
  'Ne',
  'Na',
  'Mg',
  'Al',
  'Si',
  'P',
  'S',
  'Cl',
  'Ar',
  'K',
  'Ca',
  'Sc',
  'Ti',
  'V',
  'Cr',
  'Mn',
  'Fe',
  'Co',
  'Ni',
  'Cu',
  'Zn',
  'Ga',
  'Ge',
  'As',
  'Se',
  'Br',
  'Kr',
  'Rb',
  'Sr',
  'Y',
  'Zr',
  'Nb',
  'Mo',
  'Tc',
  'Ru',
  'Rh',
  'Pd',
  'Ag',
  'Cd',
  'In',
  'Sn',
  'Sb',
  'Te',
  'I',
  'Xe',
  'Cs',
  'Ba',
  'La',
  'Ce',
  'Pr',
  'Nd',
  'Pm',
  'Sm',
  'Eu',
  'Gd',
  'Tb',
  'Dy',
  'Ho',
  'Er',
  'Tm',
  'Yb',
  'Lu',
  'Hf',
  'Ta',
  'W',
  'Re',
  'Os',
  'Ir',
  'Pt',
  'Au',
  'Hg',
  'Tl',
  'Pb',
  'Bi',
  'Po',
  'At',
  'Rn',
  'Fr',
  'Ra',
  'Ac',
  'Th',
  'Pa',
  'U',
  'Np',
  'Pu',
  'Am',
  'Cm',
  'Bk',
  'Cf',
  'Es',
  'Fm',
  'Md',
  'No',
  'Lr',
  'Rf',
  'Db',
  'Sg',
  'Bh',
  'Hs',
  'Mt',
  'Ds',
  'Rg',
  'Cn',
  'Nh',
  'Fl',
  'Mc',
  'Lv',
  'Ts',
  'Og',
] as const;

/** Largest atomic number in the table. */
export const MAX_ATOMIC_NUMBER = SYMBOLS.length;

const BY_SYMBOL = new Map<string, number>(SYMBOLS.map((s, i) => [s.toLowerCase(), i + 1]));

/**
 * Atomic number Z of an element symbol. Case-insensitive ("au", "AU" and "Au" are gold); a
 * trailing charge or site suffix as written in CIF files ("Fe3+", "O2-", "Cd1") is not accepted
 * here: strip it with `elementFromLabel` first.
 *
 * @param symbol element symbol, e.g. "Au"
 * @returns Z in [1, 118]
 * @throws InputError for an unknown symbol
 * @example atomicNumber('Au') // 79
 */
export function atomicNumber(symbol: string): number {
  const z = BY_SYMBOL.get(String(symbol).trim().toLowerCase());
  if (z === undefined) {
    throw new InputError(`unknown element symbol "${symbol}" (expected e.g. "Au", "C", "Si")`);
  }
  return z;
}

/**
 * Element symbol of atomic number Z.
 *
 * @param z atomic number, an integer in [1, 118]
 * @throws RangeError if Z is not an integer in [1, 118]
 * @example elementSymbol(79) // 'Au'
 */
export function elementSymbol(z: number): string {
  if (!Number.isInteger(z) || z < 1 || z > MAX_ATOMIC_NUMBER) {
    throw new RangeError(
      `atomic number Z must be an integer in [1, ${MAX_ATOMIC_NUMBER}], got ${z}`,
    );
  }
  return SYMBOLS[z - 1];
}

/**
 * The element symbol at the start of a site label or typed symbol as CIF files write them
 * ("Fe1" → "Fe", "O2-" → "O", "Cd" → "Cd", "SE1" → "Se").
 *
 * @throws InputError if the label does not start with a known element symbol
 */
export function elementFromLabel(label: string): string {
  const match = /^([A-Za-z]{1,2})/.exec(label.trim());
  if (match) {
    const two = match[1];
    if (two.length === 2 && BY_SYMBOL.has(two.toLowerCase()))
      return elementSymbol(atomicNumber(two));
    if (BY_SYMBOL.has(two[0].toLowerCase())) return elementSymbol(atomicNumber(two[0]));
  }
  throw new InputError(`site label "${label}" does not start with a known element symbol`);
}
