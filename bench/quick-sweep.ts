/**
 * The README's main job as a benchmark: the quick-defocus sweep from scratch with 1 and with 2
 * worker threads (wall time, ratio, peak RSS of the process), then on the Redis queue with 2 worker
 * processes when `redis-server` is on the machine. About half an hour on a 2-core machine; run it
 * alone with `npm run bench -- quick-sweep`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stagesModulePath } from '../src/cli/stages-path.js';
import { LocalPoolRunner, planTasks, runSweep } from '../src/sweep/index.js';
import { findRedisServer } from '../src/sweep/queue/test-utils/redis-server.js';
import { studyTasks } from '../src/sweep/study-plan.js';
import { readSweepFile } from '../src/sweep/sweep-file.js';
import { queueSweepWallTime } from './queue.js';

const preset = fileURLToPath(new URL('../examples/quick-defocus.yaml', import.meta.url));

async function localRun(workers: number): Promise<{ seconds: number; peakRssMiB: number }> {
  const stages = stagesModulePath();
  await import(stages);
  const plan = planTasks(studyTasks(readSweepFile(preset).file));
  const root = mkdtempSync(join(tmpdir(), 'hrtem-bench-quick-'));
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 250);
  const runner = new LocalPoolRunner({ registryModules: [stages], workers });
  try {
    const summary = await runSweep({ outDir: join(root, 'run'), plan, runner });
    if (summary.done !== summary.total)
      throw new Error(`quick sweep: ${summary.failed.length} tasks failed`);
    return { seconds: summary.wallMs / 1000, peakRssMiB: peak / 2 ** 20 };
  } finally {
    clearInterval(sampler);
    await runner.close();
    rmSync(root, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const one = await localRun(1);
  console.log(
    `quick sweep, local pool, 1 worker:  ${one.seconds.toFixed(0)} s, peak RSS ${one.peakRssMiB.toFixed(0)} MiB`,
  );
  const two = await localRun(2);
  console.log(
    `quick sweep, local pool, 2 workers: ${two.seconds.toFixed(0)} s, peak RSS ${two.peakRssMiB.toFixed(0)} MiB`,
  );
  console.log(`speed-up 1 → 2 workers: ${(one.seconds / two.seconds).toFixed(2)}× (goal ≥ 1.8×)`);
  if (!findRedisServer()) {
    console.log('quick sweep on the queue: skipped (no redis-server on this machine)');
    return;
  }
  const stages = stagesModulePath();
  await import(stages);
  const plan = planTasks(studyTasks(readSweepFile(preset).file));
  const queued = await queueSweepWallTime(plan, [stages], 2);
  console.log(
    `quick sweep, Redis queue, 2 worker processes: ${(queued.wallMs / 1000).toFixed(0)} s (local pool ÷ queue: ${(two.seconds / (queued.wallMs / 1000)).toFixed(2)})`,
  );
}

if (process.argv[1]?.endsWith('quick-sweep.ts')) await run();
