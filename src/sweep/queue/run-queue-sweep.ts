/**
 * `runSweep` on the queue: the coordinator half of a distributed sweep. Workers are started
 * separately (`hrtem worker`, {@link startQueueWorker}) with `--workdir` naming the same output
 * folder on a filesystem they all mount.
 */
import { resolve } from 'node:path';
import { type RunSweepOptions, runSweep, type SweepSummary } from '../run-sweep.js';
import { BullMqRunner, type BullMqRunnerOptions } from './bullmq-runner.js';
import type { QueueConnectionOptions } from './connection.js';

/** Options of {@link runQueueSweep}. */
export interface RunQueueSweepOptions
  extends Omit<RunSweepOptions, 'runner' | 'cacheDir' | 'maxAttempts'>,
    QueueConnectionOptions,
    Pick<
      BullMqRunnerOptions,
      'settings' | 'maxQueued' | 'reconcileIntervalMs' | 'packageVersion' | 'onWarning'
    > {}

/**
 * Runs (or resumes) a sweep whose tasks execute on queue workers. Artefacts live in
 * `outDir/artefacts`; retries happen in the queue (`settings.attempts`, with back-off), so a
 * task the queue reports failed is final for this run (a rerun gives failed tasks a fresh try).
 *
 * @returns the sweep summary; failed tasks are reported in it, not thrown
 * @throws InputError when Redis is unreachable or refuses the password, or the output folder
 *   belongs to another sweep; all before any task is queued
 * @example
 * const summary = await runQueueSweep({ url: 'redis://127.0.0.1:6379', outDir, plan });
 */
export async function runQueueSweep(options: RunQueueSweepOptions): Promise<SweepSummary> {
  const outDir = resolve(options.outDir);
  const runner = await createQueueRunnerForPlan(options);
  try {
    return await runSweep({ ...options, outDir, runner, maxAttempts: 1 });
  } finally {
    await runner.close();
  }
}

/**
 * The {@link BullMqRunner} for a plan and output folder, for callers that run `runSweep` (or the
 * CLI's progress display) themselves; pass `maxAttempts: 1` to `runSweep`, since the queue
 * retries, and close the runner afterwards.
 *
 * @throws InputError when Redis is unreachable or refuses the password
 */
export function createQueueRunnerForPlan(
  options: Omit<RunQueueSweepOptions, 'onProgress' | 'onTaskEvent' | 'signal'>,
): Promise<BullMqRunner> {
  return BullMqRunner.create({
    ...options,
    artefactRoot: resolve(options.outDir, 'artefacts'),
    sweepHash: options.sweepHash ?? options.plan.planHash,
    kinds: [...new Set(options.plan.tasks.map((task) => task.kind))],
  });
}
