/**
 * The atoms of a scene as flat typed arrays: the hand-off between the structures stage and the
 * multislice stage. The cell is orthorhombic, periodic in x and y, with its origin at (0, 0, 0);
 * the beam travels along +z.
 */

/** Label value of atoms that belong to no particle (substrate, solvent, support). */
export const SUBSTRATE_LABEL = 0;

/** Atoms in an orthorhombic cell. */
export interface Atoms {
  /** Cell extents (a, b, c) along x, y, z [Å]. */
  cell: [number, number, number];
  /** Atomic numbers Z, one per atom. */
  numbers: Uint8Array;
  /** Positions, interleaved (x, y, z) per atom [Å]. */
  positions: Float64Array;
  /**
   * What each atom belongs to: `SUBSTRATE_LABEL` (0) for the substrate, k ≥ 1 for particle k.
   * Labels are made from particle atoms alone.
   */
  labels: Int32Array;
}

/** Number of atoms in `atoms`. */
export function atomCount(atoms: Atoms): number {
  return atoms.numbers.length;
}
