/**
 * Queue benchmark (issue 8): the per-task overhead of the BullMQ runner with 2 worker processes
 * on this machine, at 1 000 trivial tasks, beside the local pool with 2 threads on the same
 * tasks; and the enqueue-to-start latency of a task on an idle queue. Starts its own
 * redis-server on loopback (skips when there is none).
 *
 * {@link queueSweepWallTime} runs any plan on the queue with N worker processes; the lead calls it
 * with the quick preset's plan once the real stages exist.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { LocalPoolRunner } from '../src/sweep/local-pool-runner.js';
import { type Plan, planTasks, type TaskSpec } from '../src/sweep/plan.js';
import { bullConnection } from '../src/sweep/queue/connection.js';
import { runQueueSweep } from '../src/sweep/queue/run-queue-sweep.js';
import { spawnWorker } from '../src/sweep/queue/test-utils/processes.js';
import { QUEUE_KINDS_MODULE, queuePlan } from '../src/sweep/queue/test-utils/queue-kinds.js';
import { findRedisServer, startTestRedis } from '../src/sweep/queue/test-utils/redis-server.js';
import { runSweep } from '../src/sweep/run-sweep.js';

/** Result of {@link queueSweepWallTime}. */
export interface QueueSweepTiming {
  wallMs: number;
  /** Enqueue-to-start times of the jobs, ms, sorted. */
  startLatenciesMs: number[];
}

/**
 * Runs `plan` on a fresh private redis-server with `workers` worker processes (one task thread
 * each) and returns the sweep's wall time (from the first enqueue to the last result recorded).
 *
 * @param plan the planned sweep
 * @param registryModules absolute paths of the modules registering the plan's kinds
 * @param workers worker processes (default 2)
 */
export async function queueSweepWallTime(
  plan: Plan,
  registryModules: string[],
  workers = 2,
): Promise<QueueSweepTiming> {
  const redis = await startTestRedis();
  const root = mkdtempSync(join(tmpdir(), 'hrtem-bench-queue-'));
  const outDir = join(root, 'sweep');
  const procs = Array.from({ length: workers }, () =>
    spawnWorker({
      url: redis.url,
      workdir: outDir,
      root,
      registryModules,
      concurrency: 1,
    }),
  );
  try {
    await Promise.all(procs.map((p) => p.ready));
    await sleep(500); // task threads start
    const summary = await runQueueSweep({ url: redis.url, outDir, plan });
    if (summary.done !== summary.total) {
      throw new Error(
        `bench sweep finished ${summary.done} of ${summary.total} tasks: ${JSON.stringify(summary.failed.slice(0, 3))}`,
      );
    }
    const queue = new Queue('hrtem-sweep', { connection: bullConnection({ url: redis.url }) });
    const jobs = await queue.getCompleted(0, -1);
    await queue.close();
    const startLatenciesMs = jobs
      .map((job) => (job.processedOn ?? job.timestamp) - job.timestamp)
      .sort((a, b) => a - b);
    return { wallMs: summary.wallMs, startLatenciesMs };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    await redis.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}

function trivialPlan(n: number, chained: boolean): Plan {
  const specs: TaskSpec[] = [];
  for (let i = 0; i < n; i++) {
    specs.push({
      id: `t/${i}`,
      kind: 'syn-trivial',
      params: { i: chained ? 1_000_000 + i : i },
      deps: chained && i > 0 ? [`t/${i - 1}`] : [],
    });
  }
  return planTasks(specs);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Prints the queue's overhead per task; see the module doc. */
export async function run(): Promise<void> {
  if (!findRedisServer()) {
    console.log('queue bench skipped: no redis-server binary (apt-get install redis-server)');
    return;
  }
  const n = 1000;
  const plan = trivialPlan(n, false);

  const localRoot = mkdtempSync(join(tmpdir(), 'hrtem-bench-local-'));
  const pool = new LocalPoolRunner({ workers: 2, registryModules: [QUEUE_KINDS_MODULE] });
  let localMs: number;
  await sleep(500); // threads start, as the queue's workers do before it is timed
  try {
    localMs = (await runSweep({ outDir: localRoot, plan, runner: pool })).wallMs;
  } finally {
    await pool.close();
    rmSync(localRoot, { recursive: true, force: true });
  }

  const queued = await queueSweepWallTime(plan, [QUEUE_KINDS_MODULE], 2);
  const perTaskQueue = (queued.wallMs * 2) / n;
  const perTaskLocal = (localMs * 2) / n;
  console.log(`${n} trivial tasks, 2 workers:`);
  console.log(
    `  local pool (2 threads):       ${(localMs / 1000).toFixed(2)} s wall, ${perTaskLocal.toFixed(2)} ms per task per worker`,
  );
  console.log(
    `  queue (2 worker processes):   ${(queued.wallMs / 1000).toFixed(2)} s wall, ${perTaskQueue.toFixed(2)} ms per task per worker`,
  );
  console.log(
    `  queue overhead beyond the local pool: ${(perTaskQueue - perTaskLocal).toFixed(2)} ms per task per worker`,
  );
  console.log(
    `  enqueue→start with all ${n} queued at once: median ${quantile(queued.startLatenciesMs, 0.5).toFixed(0)} ms, p95 ${quantile(queued.startLatenciesMs, 0.95).toFixed(0)} ms (mostly waiting behind other tasks)`,
  );

  // A small sweep shaped like the real one (images → trainings → evaluations, 0.3–1 s tasks).
  const shaped = planTasks(queuePlan(8));
  const shapedRoot = mkdtempSync(join(tmpdir(), 'hrtem-bench-shaped-'));
  const shapedPool = new LocalPoolRunner({ workers: 2, registryModules: [QUEUE_KINDS_MODULE] });
  let shapedLocalMs: number;
  await sleep(500);
  try {
    shapedLocalMs = (await runSweep({ outDir: shapedRoot, plan: shaped, runner: shapedPool }))
      .wallMs;
  } finally {
    await shapedPool.close();
    rmSync(shapedRoot, { recursive: true, force: true });
  }
  const shapedQueue = await queueSweepWallTime(shaped, [QUEUE_KINDS_MODULE], 2);
  console.log(
    `synthetic 10-task sweep (4 images, 3 trainings, 3 evaluations): local pool ${(shapedLocalMs / 1000).toFixed(2)} s, queue ${(shapedQueue.wallMs / 1000).toFixed(2)} s (2 workers each)`,
  );

  const chain = await queueSweepWallTime(trivialPlan(50, true), [QUEUE_KINDS_MODULE], 2);
  console.log(
    `  enqueue→start on an idle queue (50 chained tasks): median ${quantile(chain.startLatenciesMs, 0.5).toFixed(1)} ms, p95 ${quantile(chain.startLatenciesMs, 0.95).toFixed(1)} ms; ${(chain.wallMs / 50).toFixed(1)} ms per task end to end`,
  );
}

if (process.argv[1]?.endsWith('bench/queue.ts')) await run();
