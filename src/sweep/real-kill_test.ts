/**
 * Must-show of issue 7 on the real stages: the tiny sweep file (structures → exit waves →
 * datasets → spectrum → trainings → evaluations → analysis) run as a child process, SIGKILLed at
 * random points (some during training) and rerun, finishes with exactly one result per task and
 * artefacts byte-identical to an uninterrupted run in this process. kill-safety_test.ts does the
 * same on synthetic kinds with more kills; this file checks that the stages themselves are
 * deterministic and crash-safe.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { type Attempt, type KillPlan, runKillable } from './test-utils/killable-run.js';
import { realSweepPlan, runRealSweep, TINY_SWEEP_FILE } from './test-utils/real-sweep.js';
import {
  expectOnlyCompleteArtefacts,
  expectSameSweep,
  type SweepSnapshot,
  snapshotSweep,
} from './test-utils/sweep-snapshot.js';

const root = mkdtempSync(join(tmpdir(), 'hrtem-real-kill-'));
let plannedKeys: string[];
let reference: SweepSnapshot;

beforeAll(async () => {
  const { plan } = await realSweepPlan();
  plannedKeys = plan.tasks.map((t) => t.key);
  const referenceDir = join(root, 'reference');
  const summary = await runRealSweep(referenceDir);
  expect(summary).toMatchObject({ total: plan.tasks.length, done: plan.tasks.length, failed: [] });
  reference = snapshotSweep(referenceDir);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const attempt = (outDir: string, kill?: KillPlan) =>
  runKillable([outDir, '--sweep', TINY_SWEEP_FILE], kill);

describe('sweep kill safety on the real stages', () => {
  it('writes the same bytes and results in another process and folder', async () => {
    const outDir = join(root, 'second');
    const run = await attempt(outDir);

    expect(run.exitCode).toBe(0);
    expect(run.summary).toMatchObject({ done: plannedKeys.length, executed: plannedKeys.length });
    expectSameSweep(outDir, reference, plannedKeys);
  });

  it('finishes after SIGKILLs at random points, some during training, identical to an uninterrupted run', async () => {
    const outDir = join(root, 'killed');
    const rng = new Rng(2027);
    const within = (low: number, high: number) => Math.round(low + (high - low) * rng.random());
    // Timed from spawn (start-up, recovery, first structures), from the first progress report
    // (structures to datasets), from the first training start (twice: the reruns start both
    // trainings again), from the first evaluation start, and anywhere.
    const kills: KillPlan[] = [
      { afterMs: within(800, 2500) },
      { after: 'started', afterMs: within(100, 1500) },
      { after: 'start train', afterMs: within(100, 400) },
      { after: 'start train', afterMs: within(100, 400) },
      { after: 'start evaluate', afterMs: within(0, 60) },
      { after: 'started', afterMs: within(100, 2000) },
    ];
    const attempts: Attempt[] = [];
    for (const kill of kills) {
      const run = await attempt(outDir, kill);
      attempts.push(run);
      // Whatever instant the kill hit, every artefact visible in place is complete and final.
      expectOnlyCompleteArtefacts(outDir, reference);
      if (!run.killed) break;
    }
    let final: Attempt | undefined;
    for (let i = 0; i < 3 && !final?.summary; i++) final = await attempt(outDir);

    const killedInTraining = attempts.filter(
      (a) => a.killed && a.running.some((task) => task.startsWith('train ')),
    );
    expect(attempts.filter((a) => a.killed).length).toBeGreaterThanOrEqual(4);
    expect(killedInTraining.length).toBeGreaterThanOrEqual(2);
    expect(final?.exitCode).toBe(0);
    expect(final?.summary).toMatchObject({ total: plannedKeys.length, failed: [] });
    expect(final?.summary?.done).toBe(plannedKeys.length);

    const rows = expectSameSweep(outDir, reference, plannedKeys);
    // The database saw the interrupted trainings start more than once.
    expect(rows.some((r) => r.kind === 'train' && r.attempts > 1)).toBe(true);
  });
});
