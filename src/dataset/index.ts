/**
 * Datasets: manifests, building shards of recorded images and masks from exit waves, and
 * streaming random-access reading. See `build.ts` for the folder layout and the reproducibility
 * rules (same manifest and seed → byte-identical shards; splits by structure id).
 */
export * from './build.js';
export * from './manifest.js';
export * from './preview.js';
export * from './reader.js';
export * from './runner.js';
export * from './samples.js';
