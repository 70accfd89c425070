/**
 * Assigns atoms to slices by the z of their centre: slice s holds s·Δz ≤ z < (s + 1)·Δz. The cell
 * of thickness c is cut into ⌈c/Δz⌉ slices (the last may be thinner); atoms exactly at z = c, or
 * pushed past the cell faces by thermal displacements, go to the nearest end slice.
 */

/**
 * @param positions interleaved (x, y, z) [Å]
 * @param thickness cell thickness c [Å]
 * @param sliceThickness Δz [Å]
 * @returns the atom indices of each slice, in increasing z order of slices
 */
export function assignSlices(
  positions: Float64Array,
  thickness: number,
  sliceThickness: number,
): Int32Array[] {
  const count = sliceCount(thickness, sliceThickness);
  const lists: number[][] = Array.from({ length: count }, () => []);
  const n = positions.length / 3;
  for (let j = 0; j < n; j++) {
    const s = Math.min(count - 1, Math.max(0, Math.floor(positions[3 * j + 2] / sliceThickness)));
    lists[s].push(j);
  }
  return lists.map((l) => Int32Array.from(l));
}

/** Number of slices ⌈c/Δz⌉ (at least 1), tolerant of rounding (40/0.1 → 400, not 401). */
export function sliceCount(thickness: number, sliceThickness: number): number {
  return Math.max(1, Math.ceil(thickness / sliceThickness - 1e-9));
}

/** Thickness of slice s [Å]: Δz, except a thinner last slice when c is not a multiple of Δz. */
export function sliceThicknessOf(s: number, thickness: number, sliceThickness: number): number {
  const count = sliceCount(thickness, sliceThickness);
  if (s < count - 1) return sliceThickness;
  return thickness - sliceThickness * (count - 1);
}
