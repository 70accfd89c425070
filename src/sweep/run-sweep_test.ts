import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { ArtefactStore, MANIFEST_FILE } from './artefact-store.js';
import { LOCK_FILE } from './coordinator-lock.js';
import { LocalPoolRunner } from './local-pool-runner.js';
import { planTasks } from './plan.js';
import { runSweep, type SweepProgress } from './run-sweep.js';
import { InProcessRunner } from './runner.js';
import { SweepState } from './state.js';
import { readSweepStatus } from './status.js';
import { readSeries, SYNTHETIC_KINDS_MODULE, syntheticPlan } from './test-utils/synthetic-kinds.js';

const root = mkdtempSync(join(tmpdir(), 'hrtem-sweep-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = (name: string) => join(root, `${name}-${counter++}`);

describe('runSweep', () => {
  it('runs a 30-task DAG on 2 worker threads, each task once, inputs before readers', async () => {
    const outDir = freshDir('pool');
    const plan = planTasks(syntheticPlan(7, 0.2));
    expect(plan.tasks).toHaveLength(30);
    const runner = new LocalPoolRunner({ workers: 2, registryModules: [SYNTHETIC_KINDS_MODULE] });
    const progress: SweepProgress[] = [];
    const workers = new Set<string>();
    try {
      // Both workers ready before the first task, so the check that both ran tasks cannot race
      // their start-up on a loaded machine.
      await runner.ready();
      const summary = await runSweep({
        outDir,
        plan,
        runner,
        onProgress: (p) => progress.push(p),
        onTaskEvent: (e) => e.worker && workers.add(e.worker),
      });
      expect(summary).toMatchObject({
        total: 30,
        done: 30,
        failed: [],
        notRun: 0,
        executed: 30,
        reused: 0,
      });
      expect(summary.wallMs).toBeGreaterThan(0);
    } finally {
      await runner.close();
    }
    const state = SweepState.open(outDir);
    const rows = state.allTasks();
    state.close();
    expect(rows).toHaveLength(30);
    const finished = new Map(rows.map((r) => [r.key, r]));
    for (const row of rows) {
      expect(row.status).toBe('done');
      expect(row.attempts).toBe(1);
      expect(row.worker).toMatch(/-w[01]$/);
      for (const dep of row.deps)
        expect(finished.get(dep)!.finishedAt!).toBeLessThanOrEqual(row.startedAt!);
    }
    expect(new Set(rows.map((r) => r.worker)).size).toBe(2);
    expect(workers.size).toBe(2);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ done: 30, total: 30, running: 0, failed: 0 });
    expect(last.byKind['syn-source']).toEqual({ total: 10, done: 10, running: 0, failed: 0 });
    expect(Math.max(...progress.map((p) => p.running))).toBe(2);
    // A combine task's output is the weighted sum of its inputs' series (plus 1e-3 noise).
    const mix = plan.byKey.get(plan.keyOfId.get('mix/0')!)!;
    const store = new ArtefactStore(join(outDir, 'artefacts'));
    const out = readSeries(store.dirOf('syn-combine', mix.key));
    const expected = mix.deps.reduce(
      (sum, dep) => sum + readSeries(store.dirOf('syn-source', dep))[5],
      0,
    );
    expect(out[5]).toBeCloseTo((mix.params as { weight: number }).weight * expected, 2);
    expect(store.listTemps()).toEqual([]);
  });

  it('reuses a shared artefact cache from another sweep folder without executing anything', async () => {
    const cacheDir = freshDir('cache');
    const plan = planTasks(syntheticPlan(8, 0.05));
    const runner = new InProcessRunner({ concurrency: 4 });
    const first = await runSweep({ outDir: freshDir('a'), cacheDir, plan, runner });
    expect(first.executed).toBe(30);
    const again = await runSweep({ outDir: freshDir('b'), cacheDir, plan, runner });
    expect(again).toMatchObject({ done: 30, executed: 0, reused: 30 });
  });

  it('refuses an output folder that belongs to a different sweep, before any work', async () => {
    const outDir = freshDir('claim');
    const plan = planTasks(syntheticPlan(9, 0.05));
    await runSweep({ outDir, plan, runner: new InProcessRunner(), sweepHash: 'a'.repeat(64) });
    await expect(
      runSweep({ outDir, plan, runner: new InProcessRunner(), sweepHash: 'b'.repeat(64) }),
    ).rejects.toThrow(
      new InputError(
        `output folder ${outDir} belongs to a different sweep (its sweep hash is aaaaaaaaaaaa…, this one is bbbbbbbbbbbb…); choose another --out folder or delete ${outDir}`,
      ),
    );
  });

  it('retries a failing task, then marks it failed with its error and reports its dependents as not run', async () => {
    const outDir = freshDir('fail');
    const plan = planTasks([
      { id: 'ok', kind: 'syn-source', params: { seed: 1, n: 8, delayMs: 0 } },
      { id: 'bad', kind: 'syn-fail', params: { message: 'detector saturated' } },
      { id: 'child', kind: 'syn-combine', params: { weight: 1, delayMs: 0 }, deps: ['ok', 'bad'] },
    ]);
    const summary = await runSweep({ outDir, plan, runner: new InProcessRunner(), maxAttempts: 2 });
    expect(summary.failed).toEqual([
      { key: plan.keyOfId.get('bad'), kind: 'syn-fail', ids: ['bad'], error: 'detector saturated' },
    ]);
    expect(summary).toMatchObject({ done: 1, notRun: 1, retried: 1 });
    const status = readSweepStatus(outDir);
    expect(status.totals).toEqual({ total: 3, pending: 1, running: 0, done: 1, failed: 1 });
    expect(status.failed).toEqual([
      {
        key: plan.keyOfId.get('bad'),
        kind: 'syn-fail',
        ids: ['bad'],
        attempts: 2,
        error: 'detector saturated',
      },
    ]);
    const store = new ArtefactStore(join(outDir, 'artefacts'));
    expect(existsSync(store.dirOf('syn-fail', plan.keyOfId.get('bad')!))).toBe(false);
    expect(store.listTemps()).toEqual([]);
  });

  it('succeeds when a flaky task passes within its attempts', async () => {
    const outDir = freshDir('flaky');
    mkdirSync(outDir, { recursive: true });
    const counterFile = join(outDir, 'counter.txt');
    const plan = planTasks([{ id: 'f', kind: 'syn-flaky', params: { counterFile, failTimes: 2 } }]);
    const summary = await runSweep({ outDir, plan, runner: new InProcessRunner(), maxAttempts: 3 });
    expect(summary).toMatchObject({ done: 1, failed: [], retried: 2 });
    const state = SweepState.open(outDir);
    expect(state.task(plan.keyOfId.get('f')!)).toMatchObject({
      status: 'done',
      attempts: 3,
      result: { attemptsNeeded: 3 },
    });
    state.close();
  });

  it('fails a task whose worker thread exits, replaces the worker and finishes the rest', async () => {
    const outDir = freshDir('exit');
    const plan = planTasks([
      { id: 'exit', kind: 'syn-exit', params: { code: 3 } },
      ...Array.from({ length: 4 }, (_, i) => ({
        id: `s${i}`,
        kind: 'syn-source',
        params: { seed: i, n: 16, delayMs: 20 },
      })),
    ]);
    const runner = new LocalPoolRunner({ workers: 2, registryModules: [SYNTHETIC_KINDS_MODULE] });
    try {
      const summary = await runSweep({ outDir, plan, runner, maxAttempts: 2 });
      expect(summary.done).toBe(4);
      expect(summary.failed).toHaveLength(1);
      expect(summary.failed[0].error).toMatch(
        /^worker .*-w[01] stopped \(exit code 3\) while running syn-exit task [0-9a-f]{12}/,
      );
    } finally {
      await runner.close();
    }
  });

  it('fails every task with one clear error when the workers cannot load the registry module', async () => {
    const plan = planTasks([
      { id: 's', kind: 'syn-source', params: { seed: 1, n: 4, delayMs: 0 } },
    ]);
    const runner = new LocalPoolRunner({
      workers: 1,
      registryModules: [join(root, 'missing-kinds.js')],
    });
    try {
      const summary = await runSweep({ outDir: freshDir('badmod'), plan, runner });
      expect(summary.failed[0].error).toMatch(
        /could not start: could not load task kinds from .*missing-kinds\.js/,
      );
    } finally {
      await runner.close();
    }
  });

  it('redoes a done task whose artefact was deleted, and adopts a committed artefact whose row says running', async () => {
    const outDir = freshDir('recover');
    const plan = planTasks(syntheticPlan(10, 0.02));
    const runner = new InProcessRunner({ concurrency: 2 });
    await runSweep({ outDir, plan, runner });
    const store = new ArtefactStore(join(outDir, 'artefacts'));
    const lost = plan.byKey.get(plan.keyOfId.get('mix/3')!)!;
    const before = readFileSync(join(store.dirOf(lost.kind, lost.key), 'part-a.bin'));
    rmSync(store.dirOf(lost.kind, lost.key), { recursive: true });
    const adopted = plan.keyOfId.get('final/1')!;
    const state = SweepState.open(outDir);
    state.markRunning(adopted, 'killed-worker');
    state.close();
    const summary = await runSweep({ outDir, plan, runner });
    expect(summary).toMatchObject({ done: 30, executed: 1, reused: 1 });
    expect(readFileSync(join(store.dirOf(lost.kind, lost.key), 'part-a.bin'))).toEqual(before);
    expect(readdirSync(store.dirOf('syn-combine', adopted))).toContain(MANIFEST_FILE);
  });

  it('removes temporary folders of dead processes at start and keeps those of live ones', async () => {
    const outDir = freshDir('temps');
    const store = new ArtefactStore(join(outDir, 'artefacts'));
    const live = store.createTemp('f'.repeat(64)).replace(`.${process.pid}.`, `.${process.ppid}.`);
    mkdirSync(live, { recursive: true });
    const dead = join(
      store.root,
      '.tmp',
      `${live.split('/').pop()!.split('.')[0]}.999999999.x.${'e'.repeat(64)}`,
    );
    mkdirSync(dead);
    await runSweep({ outDir, plan: planTasks([]), runner: new InProcessRunner() });
    const left = store.listTemps();
    expect(left.some((n) => n.includes(`.${process.ppid}.`))).toBe(true);
    expect(left.some((n) => n.includes('.999999999.'))).toBe(false);
  });

  it('fails a task that outlives taskTimeoutMs and replaces its worker', async () => {
    const plan = planTasks([
      { id: 'slow', kind: 'syn-source', params: { seed: 1, n: 4, delayMs: 10_000 } },
      { id: 'fast', kind: 'syn-source', params: { seed: 2, n: 4, delayMs: 0 } },
    ]);
    const runner = new LocalPoolRunner({
      workers: 1,
      registryModules: [SYNTHETIC_KINDS_MODULE],
      taskTimeoutMs: 1000,
    });
    try {
      const summary = await runSweep({ outDir: freshDir('timeout'), plan, runner, maxAttempts: 1 });
      expect(summary.done).toBe(1);
      expect(summary.failed[0].error).toMatch(
        /stopped .* while running syn-source task [0-9a-f]{12}: no result after taskTimeoutMs = 1000 ms$/,
      );
    } finally {
      await runner.close();
    }
  });

  it('reruns in the same folder without executing anything, and drops rows of another code version', async () => {
    const outDir = freshDir('rerun');
    const runner = new InProcessRunner({ concurrency: 4 });
    const first = await runSweep({
      outDir,
      plan: planTasks(syntheticPlan(12, 0.02)),
      runner,
      sweepHash: 'h',
    });
    expect(first.executed).toBe(30);
    const again = await runSweep({
      outDir,
      plan: planTasks(syntheticPlan(12, 0.02)),
      runner,
      sweepHash: 'h',
    });
    expect(again).toMatchObject({ done: 30, executed: 0, reused: 0 });
    const newCode = await runSweep({
      outDir,
      plan: planTasks(syntheticPlan(12, 0.02), { salt: 'v2' }),
      runner,
      sweepHash: 'h',
    });
    expect(newCode).toMatchObject({ done: 30, executed: 30 });
    expect(newCode.recovered.staleRows).toBe(30);
    const state = SweepState.open(outDir);
    expect(state.count()).toBe(30);
    state.close();
  });

  it('refuses a folder held by a live coordinator and takes over the lock of a killed one', async () => {
    const outDir = freshDir('lock');
    mkdirSync(outDir, { recursive: true });
    const plan = planTasks([
      { id: 's', kind: 'syn-source', params: { seed: 1, n: 4, delayMs: 0 } },
    ]);
    const lock = join(outDir, LOCK_FILE);
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: process.ppid, startedAt: 'then' }));
    await expect(runSweep({ outDir, plan, runner: new InProcessRunner() })).rejects.toThrow(
      `sweep folder ${outDir} is in use by another coordinator (pid ${process.ppid} on ${hostname()}, since then); wait for it to finish, or delete ${lock} if that process is gone`,
    );
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: 999_999_999, startedAt: 'then' }));
    expect((await runSweep({ outDir, plan, runner: new InProcessRunner() })).done).toBe(1);
    expect(existsSync(lock)).toBe(false);
  });

  it('stops submitting when aborted, lets tasks in flight finish, and resumes later', async () => {
    const outDir = freshDir('abort');
    const plan = planTasks(syntheticPlan(13, 0.05));
    const controller = new AbortController();
    const runner = new InProcessRunner({ concurrency: 2 });
    const stopped = await runSweep({
      outDir,
      plan,
      runner,
      signal: controller.signal,
      onTaskEvent: (e) => e.type === 'done' && controller.abort(),
    });
    expect(stopped.done).toBeGreaterThanOrEqual(1);
    expect(stopped.done).toBeLessThan(30);
    expect(stopped.notRun).toBe(30 - stopped.done);
    expect(readSweepStatus(outDir).totals.running).toBe(0);
    const resumed = await runSweep({ outDir, plan, runner });
    expect(resumed).toMatchObject({ done: 30, executed: 30 - stopped.done });
  });
});
