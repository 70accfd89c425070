/**
 * Writes sampled scenes to a folder: `scene-NNNN.xyz` (extended XYZ with labels),
 * `scene-NNNN.prismatic.xyz` (Prismatic) and `scene-NNNN.json` (metadata), each atomically.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { requireInteger } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type SampleOptions, type SceneMetadata, type StructureSpec, sampleScene } from './spec.js';
import { formatExtendedXyz, formatPrismaticXyz } from './xyz.js';

/** Progress event of `writeScenes`. */
export interface StructureProgress {
  stage: 'structures';
  done: number;
  total: number;
}

/** The generator of scene `index` of a run seeded with `seed`. */
export function sceneRng(seed: number, index: number): Rng {
  return new Rng(seed).fork(`scene/${index}`);
}

/** Stable JSON text: two-space indentation and a final newline. */
export function formatMetadata(
  metadata: SceneMetadata,
  extra: Record<string, unknown> = {},
): string {
  return `${JSON.stringify({ ...extra, ...metadata }, null, 2)}\n`;
}

/**
 * Samples `count` scenes and writes them to `outDir`. Scene i uses `sceneRng(seed, i)`, so a
 * scene can be regenerated alone and the same seed gives byte-identical files.
 *
 * @returns the paths written, per scene
 */
export function writeScenes(
  spec: StructureSpec,
  outDir: string,
  count: number,
  seed: number,
  options: SampleOptions & { onProgress?: (p: StructureProgress) => void } = {},
): { xyz: string; prismatic: string; metadata: string }[] {
  requireInteger('scene count', count, 1);
  requireInteger('seed', seed, 0, 2 ** 32 - 1);
  const written: { xyz: string; prismatic: string; metadata: string }[] = [];
  for (let i = 0; i < count; i++) {
    const { atoms, metadata } = sampleScene(spec, sceneRng(seed, i), options);
    const stem = join(outDir, `scene-${String(i).padStart(4, '0')}`);
    const paths = {
      xyz: `${stem}.xyz`,
      prismatic: `${stem}.prismatic.xyz`,
      metadata: `${stem}.json`,
    };
    writeFileAtomic(paths.xyz, formatExtendedXyz(atoms));
    writeFileAtomic(
      paths.prismatic,
      formatPrismaticXyz(atoms, `hrtem-ood scene ${i} seed ${seed}`),
    );
    writeFileAtomic(paths.metadata, formatMetadata(metadata, { seed, sceneIndex: i }));
    written.push(paths);
    options.onProgress?.({ stage: 'structures', done: i + 1, total: count });
  }
  return written;
}
