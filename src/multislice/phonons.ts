/**
 * Frozen phonons: each configuration displaces every atom by independent Gaussian deviates along
 * x, y and z with standard deviation u (the rms displacement along one axis), u = √(B / (8π²))
 * from the isotropic Debye–Waller factor B of the element (Peng, Ren, Dudarev & Whelan, Acta
 * Cryst. A52, 456–470 (1996), Table 1, room temperature; see data/potential/debye-waller.json).
 */
import { readFileSync } from 'node:fs';
import { Rng } from '../core/rng.js';

/** rms displacement [Å] used for elements with no tabulated B (B = 0.5 Å², a typical solid). */
export const DEFAULT_RMS_DISPLACEMENT = Math.sqrt(0.5 / (8 * Math.PI * Math.PI));

let table: Record<string, number> | null = null;

/** Tabulated room-temperature B [Å²] by chemical symbol. */
export function debyeWallerTable(): Record<string, number> {
  if (table === null) {
    const url = new URL('../../data/potential/debye-waller.json', import.meta.url);
    table = (JSON.parse(readFileSync(url, 'utf8')) as { B: Record<string, number> }).B;
  }
  return table;
}

/**
 * rms displacement along one axis [Å] for an element: an override if given, else from the table,
 * else `undefined` (the caller falls back to `DEFAULT_RMS_DISPLACEMENT` and warns).
 */
export function rmsDisplacement(
  symbol: string,
  overrides: Record<string, number> | undefined,
): number | undefined {
  if (overrides && symbol in overrides) return overrides[symbol];
  const b = debyeWallerTable()[symbol];
  return b === undefined ? undefined : Math.sqrt(b / (8 * Math.PI * Math.PI));
}

/**
 * Displaced positions of configuration `index`: positions + N(0, u²) per axis, from a stream
 * forked off `seed` by the configuration index (so configuration k is the same whatever N is).
 * @param positions interleaved (x, y, z) [Å]
 * @param rmsByAtom u [Å] per atom
 */
export function displacePositions(
  positions: Float64Array,
  rmsByAtom: Float64Array,
  seed: number,
  index: number,
): Float64Array {
  const rng = new Rng(seed).fork(`frozen-phonon-${index}`);
  const out = new Float64Array(positions.length);
  for (let j = 0; j < rmsByAtom.length; j++) {
    const u = rmsByAtom[j];
    out[3 * j] = positions[3 * j] + rng.normal(0, u);
    out[3 * j + 1] = positions[3 * j + 1] + rng.normal(0, u);
    out[3 * j + 2] = positions[3 * j + 2] + rng.normal(0, u);
  }
  return out;
}
