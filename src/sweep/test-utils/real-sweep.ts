/**
 * The tiny real sweep of the kill tests (`tiny-sweep.yaml`): its plan over the real stages, and
 * an uninterrupted reference run on the local pool.
 */
import { fileURLToPath } from 'node:url';
import { LocalPoolRunner } from '../local-pool-runner.js';
import { type Plan, planTasks } from '../plan.js';
import { runSweep, type SweepSummary } from '../run-sweep.js';
import { studyTasks } from '../study-plan.js';
import { readSweepFile } from '../sweep-file.js';

/** Absolute path of the tiny sweep file. */
export const TINY_SWEEP_FILE = fileURLToPath(new URL('./tiny-sweep.yaml', import.meta.url));

/** Absolute path of the module registering the real stages, for `registryModules`. */
export const STAGES_MODULE = fileURLToPath(new URL('../stages.ts', import.meta.url));

/** A sweep file's plan over the real stages and the file's hash (as `hrtem sweep` makes them). */
export async function realSweepPlan(
  path = TINY_SWEEP_FILE,
): Promise<{ plan: Plan; sweepHash: string }> {
  await import(STAGES_MODULE);
  const { file, hash } = readSweepFile(path);
  return { plan: planTasks(studyTasks(file)), sweepHash: hash };
}

/** Runs a sweep file uninterrupted on a local pool of `workers` threads in this process. */
export async function runRealSweep(
  outDir: string,
  path = TINY_SWEEP_FILE,
  workers = 2,
): Promise<SweepSummary> {
  const { plan, sweepHash } = await realSweepPlan(path);
  const runner = new LocalPoolRunner({ workers, registryModules: [STAGES_MODULE] });
  try {
    return await runSweep({ outDir, plan, runner, sweepHash });
  } finally {
    await runner.close();
  }
}
