/**
 * Random nanostructure scenes: crystals (built-in materials and CIF files), particle shapes,
 * planar defects, multiply twinned particles, orientations, amorphous films, scene composition
 * and structure files (extended XYZ, Prismatic XYZ, JSON metadata).
 */
export * from './amorphous.js';
export * from './cif.js';
export * from './crystal.js';
export * from './defects.js';
export * from './linalg.js';
export * from './materials.js';
export * from './mtp.js';
export * from './orientation.js';
export * from './particle.js';
export * from './scene.js';
export * from './shapes.js';
export * from './spec.js';
export * from './write.js';
export * from './xyz.js';
