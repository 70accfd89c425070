/**
 * Atomic potentials: Kirkland and Lobato scattering-factor parametrizations, their projected
 * potentials, and slice potentials on periodic grids built in Fourier space.
 */
export * from './bessel.js';
export * from './parametrization.js';
export * from './projected-potential.js';
