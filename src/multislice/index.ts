/**
 * Multislice exit waves: from a scene of atoms to the electron exit wave of every frozen-phonon
 * configuration, the ground-truth particle masks, and the exit-wave folder format
 * (docs/exit-wave-format.md).
 *
 * Choices, with the peer each follows:
 * - Potentials: infinite projection built in Fourier space per slice, Kirkland (2010) or Lobato
 *   (2014) scattering factors; atoms placed by abTEM 1.0's hybrid bilinear scheme (default) or by
 *   exact structure factors. No real-space cut-off radius and no core clipping: f_e(0) is finite,
 *   and the grid's band limit regularises the log-singular core (as abTEM's default).
 * - Slicing: Δz = 1 Å by default; atoms go to the slice holding their z (cell periodic in x, y).
 * - Propagation: exp(−iπλΔz k²), transmission exp(iσ v_z), circular band limit at 2/3 of Nyquist
 *   with abTEM's 0.01 taper on both (options; recorded in the metadata); plane wave, optional tilt.
 * - Grid: from `sampling` (default 0.1 Å), rounded up per axis to a 2^a·3^b·5^c multiple of 16.
 *   Rule for the `sampling-coarse` warning: the band-limited maximum angle λ·k_c must reach
 *   50 mrad. Rule for the error: 1/max(sx, sy) ≥ 2·band for a requested band [1/Å].
 * - Frozen phonons: Gaussian displacements per axis with u = √(B/8π²), B from Peng et al. (1996)
 *   at room temperature; seeded; every configuration kept.
 * - Precision: complex64 waves and FFTs (float64 phase factors): intensity is conserved to 1e-5
 *   over 100 slices (tested) and a ±Δz round trip returns to 2e-6; the float64 reference path
 *   `propagateFloat64` returns to 1e-9 (tested).
 *
 * Units: eV, Å, rad, 1/Å. Arrays (ny, nx) row-major; complex64 interleaved.
 */
export * from './engine.js';
export * from './labels.js';
export * from './phonons.js';
export { type SceneJob, simulateScene } from './scene.js';
export * from './simulate.js';
export * from './slicing.js';
export * from './storage.js';
export * from './xyz.js';
