/**
 * Multislice exit waves: from a scene of atoms to the electron exit wave of every frozen-phonon
 * configuration, the ground-truth particle masks, and the exit-wave folder format.
 *
 * Units: eV, Å, rad, 1/Å. Arrays (ny, nx) row-major; complex64 interleaved.
 */
export * from './engine.js';
export * from './labels.js';
export * from './phonons.js';
export * from './simulate.js';
export * from './slicing.js';
export * from './storage.js';
export * from './xyz.js';
