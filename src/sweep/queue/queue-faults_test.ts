/**
 * Must-show of issue 8: a sweep on the queue with three worker processes, two of them SIGKILLed
 * mid-task (one during a training, one during an image), and a coordinator SIGKILLed mid-sweep
 * and restarted: both finish with exactly one result per task, byte-identical to the local-pool
 * run of the same plan. Runs against a private redis-server on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtefactStore } from '../artefact-store.js';
import { LocalPoolRunner } from '../local-pool-runner.js';
import { type Plan, planTasks } from '../plan.js';
import { runSweep } from '../run-sweep.js';
import { SweepState } from '../state.js';
import type { QueueWorkerOptions } from './queue-worker.js';
import { runQueueSweep } from './run-queue-sweep.js';
import {
  artefactFiles,
  expectVictimsRecovered,
  spawnCoordinator,
  spawnWorker,
  stopWorkers,
  type WorkerProcess,
} from './test-utils/processes.js';
import { QUEUE_KINDS_MODULE, queuePlan } from './test-utils/queue-kinds.js';
import { redisTestsEnabled, startTestRedis, type TestRedis } from './test-utils/redis-server.js';

const SEED = 8;
const enabled = redisTestsEnabled();
const root = mkdtempSync(join(tmpdir(), 'hrtem-queue-faults-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let redis: TestRedis;
let plan: Plan;
let reference: Map<string, Buffer>;
let referenceResults: Map<string, unknown>;

beforeAll(async () => {
  if (!enabled) return;
  redis = await startTestRedis({ private: true });
  plan = planTasks(queuePlan(SEED));
  const referenceDir = join(root, 'reference');
  const runner = new LocalPoolRunner({ workers: 2, registryModules: [QUEUE_KINDS_MODULE] });
  try {
    const summary = await runSweep({ outDir: referenceDir, plan, runner });
    expect(summary.done).toBe(plan.tasks.length);
  } finally {
    await runner.close();
  }
  reference = artefactFiles(referenceDir);
  const state = SweepState.open(referenceDir);
  referenceResults = new Map(state.allTasks().map((row) => [row.key, row.result]));
  state.close();
});

afterAll(async () => {
  await redis?.dispose();
  rmSync(root, { recursive: true, force: true });
});

function workerOptions(queueName: string, outDir: string): QueueWorkerOptions {
  return {
    url: redis.url,
    queueName,
    workdir: outDir,
    root,
    registryModules: [QUEUE_KINDS_MODULE],
    concurrency: 1,
    settings: { lockDurationMs: 2000, stalledIntervalMs: 1000, maxStalledCount: 2 },
  };
}

/** One result per task, equal to the local-pool run, and artefacts identical byte for byte. */
function expectSameAsReference(outDir: string): void {
  const state = SweepState.open(outDir);
  const rows = state.allTasks();
  state.close();
  expect(rows.map((r) => r.key).sort()).toEqual(plan.tasks.map((t) => t.key).sort());
  for (const row of rows) {
    expect(row.status, row.key).toBe('done');
    expect(row.result, row.key).toEqual(referenceResults.get(row.key));
  }
  const files = artefactFiles(outDir);
  expect([...files.keys()].sort()).toEqual([...reference.keys()].sort());
  for (const [path, bytes] of reference) expect(files.get(path)!.equals(bytes), path).toBe(true);
  expect(new ArtefactStore(join(outDir, 'artefacts')).listTemps()).toEqual([]);
}

/** Keys each executed (not reused) to completion by the workers, with their counts. */
function executions(workers: WorkerProcess[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of workers) {
    for (const e of w.events)
      if (e.type === 'done') counts.set(e.jobId, (counts.get(e.jobId) ?? 0) + 1);
  }
  return counts;
}

describe.skipIf(!enabled)('queue sweep fault handling', () => {
  it('finishes after SIGKILLing a worker during an image task and one during a training task', async () => {
    const outDir = join(root, 'workers-killed');
    const options = workerOptions('kill', outDir);
    const workers = [spawnWorker(options), spawnWorker(options), spawnWorker(options)];
    await Promise.all(workers.map((w) => w.ready));
    await sleep(500); // let each worker's task thread finish starting

    const victims: { kind: string; key: string; worker: WorkerProcess }[] = [];
    for (const worker of workers) {
      worker.onEvent((event) => {
        if (event.type !== 'start' || victims.some((v) => v.worker === worker)) return;
        for (const kind of ['syn-image', 'syn-train']) {
          if (event.kind !== kind || victims.some((v) => v.kind === kind)) continue;
          victims.push({ kind, key: event.jobId, worker });
          setTimeout(() => worker.kill('SIGKILL'), 150);
        }
      });
    }
    const warnings: { code: string; message: string }[] = [];
    const summary = await runQueueSweep({
      url: redis.url,
      queueName: 'kill',
      outDir,
      plan,
      reconcileIntervalMs: 1000,
      settings: { attempts: 3, backoffMs: 200 },
      onWarning: (w) => warnings.push(w),
    });
    const exits = await stopWorkers(workers);

    expect(summary).toMatchObject({ total: 10, done: 10, failed: [] });
    expect(victims.map((v) => v.kind).sort()).toEqual(['syn-image', 'syn-train']);
    expect(exits.filter((signal) => signal === 'SIGKILL')).toHaveLength(2);
    // The killed tasks were picked up again after their locks expired.
    await expectVictimsRecovered({ url: redis.url, queueName: 'kill' }, victims, 10, warnings);
    // Every task ran to completion exactly once (the killed attempts never completed).
    const runs = executions(workers);
    expect([...runs.keys()].sort()).toEqual(plan.tasks.map((t) => t.key).sort());
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expectSameAsReference(outDir);
  });

  it('resumes after the coordinator is SIGKILLed mid-sweep without redoing work', async () => {
    const outDir = join(root, 'coordinator-killed');
    const options = workerOptions('restart', outDir);
    const workers = [spawnWorker(options), spawnWorker(options), spawnWorker(options)];
    await Promise.all(workers.map((w) => w.ready));

    const first = spawnCoordinator(outDir, redis.url, 'restart', SEED);
    first.onFinished((count) => {
      if (count === 4) first.child.kill('SIGKILL');
    });
    const killed = await first.exited;
    expect(killed.summary).toBeUndefined();
    expect(first.child.signalCode).toBe('SIGKILL');
    await sleep(300); // workers carry on meanwhile

    const second = spawnCoordinator(outDir, redis.url, 'restart', SEED);
    const finished = await second.exited;
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));

    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.summary).toMatchObject({ total: 10, done: 10, failed: [] });
    const resumed = finished.summary as { executed: number; reused: number };
    // The restart found the first run's done rows and did not ask for them again.
    expect(resumed.executed + resumed.reused).toBeLessThanOrEqual(10 - 4);
    const runs = executions(workers);
    expect([...runs.keys()].sort()).toEqual(plan.tasks.map((t) => t.key).sort());
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expectSameAsReference(outDir);
  });

  it('loses no finished result when Redis restarts (append-only) mid-sweep', async () => {
    const outDir = join(root, 'redis-restarted');
    const options = workerOptions('redis-restart', outDir);
    const workers = [spawnWorker(options), spawnWorker(options)];
    await Promise.all(workers.map((w) => w.ready));
    let restarted: Promise<void> | undefined;
    let done = 0;
    const summary = await runQueueSweep({
      url: redis.url,
      queueName: 'redis-restart',
      outDir,
      plan,
      reconcileIntervalMs: 1000,
      settings: { attempts: 3, backoffMs: 200 },
      onTaskEvent: (event) => {
        if (event.type !== 'done' || ++done !== 3) return;
        restarted = (async () => {
          await redis.stop();
          await sleep(300);
          await redis.start();
        })();
      },
    });
    await restarted;
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    expect(restarted).toBeDefined();
    expect(summary).toMatchObject({ total: 10, done: 10, failed: [] });
    expectSameAsReference(outDir);
  });
});
