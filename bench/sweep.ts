/**
 * Sweep-engine benchmark on synthetic task kinds (until the physics stages register theirs):
 * - wall time of 24 CPU-bound tasks with 1 and with 2 worker threads, the ratio, and peak RSS;
 * - coordinator overhead per task: 1 000 trivial tasks through the in-process runner and through
 *   the worker-thread pool (state database writes, artefact commit with fsync, scheduling).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InProcessRunner,
  LocalPoolRunner,
  planTasks,
  runSweep,
  type TaskRunner,
} from '../src/sweep/index.js';
import { SYNTHETIC_KINDS_MODULE } from '../src/sweep/test-utils/synthetic-kinds.js';

async function timed(
  runner: TaskRunner,
  specs: Parameters<typeof planTasks>[0],
  root: string,
  name: string,
) {
  const plan = planTasks(specs);
  if (runner instanceof LocalPoolRunner) await runner.ready();
  try {
    const summary = await runSweep({ outDir: join(root, name), plan, runner });
    if (summary.done !== summary.total)
      throw new Error(`${name}: ${summary.failed.length} tasks failed`);
    return summary.wallMs;
  } finally {
    await runner.close();
  }
}

/** Runs the benchmark and prints its numbers. */
export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'hrtem-bench-sweep-'));
  try {
    const cpu = (tag: string) =>
      Array.from({ length: 24 }, (_, i) => ({
        id: `${tag}/${i}`,
        kind: 'syn-cpu',
        params: { seed: i, iterations: 400, tag },
      }));
    const pool = (workers: number) =>
      new LocalPoolRunner({ workers, registryModules: [SYNTHETIC_KINDS_MODULE] });
    const one = await timed(pool(1), cpu('w1'), root, 'w1');
    const two = await timed(pool(2), cpu('w2'), root, 'w2');
    console.log(
      `sweep engine: 24 CPU-bound tasks, 1 worker ${(one / 1000).toFixed(2)} s, 2 workers ${(two / 1000).toFixed(2)} s, speed-up ${(one / two).toFixed(2)}×`,
    );

    const trivial = (tag: string) =>
      Array.from({ length: 1000 }, (_, i) => ({
        id: `${tag}/${i}`,
        kind: 'syn-source',
        params: { seed: i, n: 1, delayMs: 0, tag },
      }));
    const inProcess = await timed(new InProcessRunner(), trivial('inproc'), root, 'inproc');
    const pooled = await timed(pool(2), trivial('pool'), root, 'pool');
    console.log(
      `sweep engine: 1 000 trivial tasks, in-process ${(inProcess / 1000).toFixed(3)} ms/task, 2-thread pool ${(pooled / 1000).toFixed(3)} ms/task (wall time ÷ tasks)`,
    );
    console.log(`sweep engine: peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('sweep.ts')) await run();
