export * from './atomic-write.js';
export * from './energy.js';
export * from './errors.js';
export * from './fft.js';
export * from './grid.js';
export * from './npy.js';
export * from './rng.js';
export * from './units.js';
