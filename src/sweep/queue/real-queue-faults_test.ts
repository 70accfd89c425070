/**
 * Must-show of issue 8 on the real stages: the tiny sweep file on the queue with a coordinator
 * and three worker processes against a test redis-server (the one .ci/run starts, or a private
 * one), one worker SIGKILLed while it forms
 * a dataset's images and one while it trains a U-Net. The sweep finishes with exactly one result
 * per task, byte-identical to the local-pool run of the same file; so does the same sweep whose
 * coordinator process is SIGKILLed mid-sweep and restarted. queue-faults_test.ts does the same
 * (and more) on synthetic kinds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  realSweepPlan,
  runRealSweep,
  STAGES_MODULE,
  TINY_SWEEP_FILE,
} from '../test-utils/real-sweep.js';
import {
  expectSameSweep,
  type SweepSnapshot,
  snapshotSweep,
} from '../test-utils/sweep-snapshot.js';
import { runQueueSweep } from './run-queue-sweep.js';
import {
  expectVictimsRecovered,
  spawnCoordinator,
  spawnWorker,
  stopWorkers,
  type WorkerProcess,
} from './test-utils/processes.js';
import { redisTestsEnabled, startTestRedis, type TestRedis } from './test-utils/redis-server.js';

const enabled = redisTestsEnabled();
const root = mkdtempSync(join(tmpdir(), 'hrtem-real-queue-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let redis: TestRedis | undefined;
const workers: WorkerProcess[] = [];
let reference: SweepSnapshot;

/** Starts three single-thread workers on a queue, with short locks so kills are noticed fast. */
async function startWorkers(queueName: string, outDir: string): Promise<WorkerProcess[]> {
  const started: WorkerProcess[] = [];
  for (let i = 0; i < 3; i++) {
    started.push(
      spawnWorker({
        url: redis!.url,
        queueName,
        workdir: outDir,
        root,
        registryModules: [STAGES_MODULE],
        concurrency: 1,
        settings: { lockDurationMs: 2000, stalledIntervalMs: 1000, maxStalledCount: 2 },
      }),
    );
  }
  workers.push(...started);
  await Promise.all(started.map((w) => w.ready));
  return started;
}

/** How many times each task ran to completion on the workers. */
function executions(started: WorkerProcess[]): Map<string, number> {
  const runs = new Map<string, number>();
  for (const w of started)
    for (const e of w.events)
      if (e.type === 'done') runs.set(e.jobId, (runs.get(e.jobId) ?? 0) + 1);
  return runs;
}

beforeAll(async () => {
  if (!enabled) return;
  redis = await startTestRedis();
  const referenceDir = join(root, 'local-pool');
  const summary = await runRealSweep(referenceDir);
  expect(summary.failed).toEqual([]);
  reference = snapshotSweep(referenceDir);
});

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await redis?.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!enabled)('queue sweep fault handling on the real stages', () => {
  it('finishes after SIGKILLing a worker during a dataset task and one during a training task', async () => {
    const { plan, sweepHash } = await realSweepPlan();
    const keys = plan.tasks.map((t) => t.key);
    const outDir = join(root, 'queue');
    const workers = await startWorkers('real-kill', outDir);

    // A dataset task runs for about 0.1 s, a training for about 1 s: kill the dataset's worker
    // as soon as its start is seen, the trainer's a little later, each worker at most once.
    const delayMs: Record<string, number> = { dataset: 0, train: 150 };
    const victims: { kind: string; key: string; worker: WorkerProcess }[] = [];
    for (const worker of workers) {
      worker.onEvent((event) => {
        if (event.type !== 'start' || victims.some((v) => v.worker === worker)) return;
        const kind = event.kind ?? '';
        if (!(kind in delayMs) || victims.some((v) => v.kind === kind)) return;
        victims.push({ kind, key: event.jobId, worker });
        setTimeout(() => worker.kill('SIGKILL'), delayMs[kind]);
      });
    }
    const warnings: { code: string; message: string }[] = [];
    const summary = await runQueueSweep({
      url: redis!.url,
      queueName: 'real-kill',
      outDir,
      plan,
      sweepHash,
      reconcileIntervalMs: 1000,
      settings: { attempts: 3, backoffMs: 200 },
      onWarning: (w) => warnings.push(w),
    });
    const exits = await stopWorkers(workers);

    expect(summary).toMatchObject({ total: keys.length, done: keys.length, failed: [] });
    expect(victims.map((v) => v.kind).sort()).toEqual(['dataset', 'train']);
    expect(exits.filter((signal) => signal === 'SIGKILL')).toHaveLength(2);
    // The killed tasks never finished on their first worker and were picked up again after
    // their locks expired.
    for (const victim of victims) {
      expect(victim.worker.events.some((e) => e.type === 'done' && e.jobId === victim.key)).toBe(
        false,
      );
    }
    await expectVictimsRecovered(
      { url: redis!.url, queueName: 'real-kill' },
      victims,
      keys.length,
      warnings,
    );
    // Every task ran to completion exactly once across the workers.
    const runs = executions(workers);
    expect([...runs.keys()].sort()).toEqual([...keys].sort());
    expect([...runs.values()].every((n) => n === 1)).toBe(true);

    expectSameSweep(outDir, reference, keys);
  });

  it('resumes after the coordinator process is SIGKILLed mid-sweep, without redoing work', async () => {
    const { plan } = await realSweepPlan();
    const keys = plan.tasks.map((t) => t.key);
    const outDir = join(root, 'coordinator-killed');
    const workers = await startWorkers('real-restart', outDir);

    // 12 tasks are structures and exit waves: the kill lands among datasets and trainings.
    const killAt = 14;
    const first = spawnCoordinator(outDir, redis!.url, 'real-restart', TINY_SWEEP_FILE);
    first.onFinished((count) => {
      if (count === killAt) first.child.kill('SIGKILL');
    });
    const killed = await first.exited;
    expect(killed.summary).toBeUndefined();
    expect(first.child.signalCode).toBe('SIGKILL');
    await sleep(300); // workers carry on meanwhile

    const second = spawnCoordinator(outDir, redis!.url, 'real-restart', TINY_SWEEP_FILE);
    const finished = await second.exited;
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));

    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.summary).toMatchObject({ total: keys.length, done: keys.length, failed: [] });
    const resumed = finished.summary as { executed: number; reused: number };
    // The restart found the first run's done rows and did not ask for them again.
    expect(resumed.executed + resumed.reused).toBeLessThanOrEqual(keys.length - killAt);
    const runs = executions(workers);
    expect([...runs.keys()].sort()).toEqual([...keys].sort());
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expectSameSweep(outDir, reference, keys);
  });
});
