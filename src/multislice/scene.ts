/**
 * One scene from file to exit-wave folder: exit waves, band-limit crop, labels on the stored
 * grid, written to a temporary folder that is renamed into place only when complete. Also the
 * content hash that lets `hrtem simulate` skip scenes already done.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Atoms } from '../core/atoms.js';
import { type LabelOptions, makeLabels } from './labels.js';
import {
  EXIT_WAVE_CODE_VERSION,
  type ExitWaveSettings,
  type SimulationCallbacks,
  simulateExitWaves,
} from './simulate.js';
import { cropExitWaves, EXIT_WAVE_FILES, type ExitWaveSet, writeExitWaveSet } from './storage.js';

/** Everything that decides a scene's output. */
export interface SceneJob {
  settings: ExitWaveSettings;
  /** Label options; `null` to skip labels. */
  labels: LabelOptions | null;
  /** Band kept in storage [1/Å]; default the band-limit cut-off. */
  storageBand?: number;
}

/**
 * Exit waves (cropped for storage) and labels on the stored grid for one scene.
 */
export async function simulateScene(
  atoms: Atoms,
  job: SceneJob,
  callbacks: SimulationCallbacks = {},
): Promise<ExitWaveSet> {
  const raw = await simulateExitWaves(atoms, job.settings, callbacks);
  const stored = await cropExitWaves(raw, job.storageBand);
  if (!job.labels) return stored;
  const labels = await makeLabels(
    atoms,
    job.settings,
    { ...job.labels, outputShape: [stored.shape[1], stored.shape[2]] },
    { onWarning: callbacks.onWarning },
  );
  return { ...stored, labels };
}

/** sha256 (hex, 16 characters) of a scene file's bytes, the job and the code version. */
export function sceneHash(scenePath: string, job: SceneJob): string {
  return createHash('sha256')
    .update(readFileSync(scenePath))
    .update(JSON.stringify(job))
    .update(EXIT_WAVE_CODE_VERSION)
    .digest('hex')
    .slice(0, 16);
}

/** True if `dir` holds a complete exit-wave folder made with this hash. */
export function isSceneDone(dir: string, hash: string): boolean {
  const meta = join(dir, EXIT_WAVE_FILES.metadata);
  if (!existsSync(meta)) return false;
  try {
    return (
      (JSON.parse(readFileSync(meta, 'utf8')) as { contentHash?: string }).contentHash === hash
    );
  } catch {
    return false;
  }
}

/**
 * Writes a scene's folder atomically: into a sibling temporary folder, then renamed over `dir`.
 * The metadata gains `contentHash` and `scene` (the file name).
 */
export function writeSceneFolder(
  dir: string,
  set: ExitWaveSet,
  hash: string,
  sceneName: string,
): void {
  const tmp = join(dirname(dir), `.tmp-${basename(dir)}-${process.pid}-${Date.now()}`);
  const withHash: ExitWaveSet = {
    ...set,
    metadata: { ...set.metadata, contentHash: hash, scene: sceneName } as ExitWaveSet['metadata'],
  };
  writeExitWaveSet(tmp, withHash);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}
