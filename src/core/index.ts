export * from './atomic-write.js';
export * from './elements.js';
export * from './energy.js';
export * from './errors.js';
export * from './npy.js';
export * from './rng.js';
export * from './units.js';
