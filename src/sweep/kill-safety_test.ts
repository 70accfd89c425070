/**
 * Must-show of issue 7: a sweep killed with SIGKILL at random points and rerun finishes with
 * exactly one result per task and artefacts byte-identical to an uninterrupted run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { ArtefactStore } from './artefact-store.js';
import { LocalPoolRunner } from './local-pool-runner.js';
import { planTasks } from './plan.js';
import { runSweep } from './run-sweep.js';
import { SweepState } from './state.js';
import { type Attempt, runKillable } from './test-utils/killable-run.js';
import {
  artefactFiles,
  expectOnlyCompleteArtefacts,
  type SweepSnapshot,
} from './test-utils/sweep-snapshot.js';
import { SYNTHETIC_KINDS_MODULE, syntheticPlan } from './test-utils/synthetic-kinds.js';

const PLAN_SEED = 11;
const root = mkdtempSync(join(tmpdir(), 'hrtem-kill-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the child once; kills it `afterMs` after spawn, or after it started, if given. */
function attempt(outDir: string, kill?: { afterMs: number; fromStart: boolean }): Promise<Attempt> {
  return runKillable(
    [outDir, String(PLAN_SEED)],
    kill && { afterMs: kill.afterMs, after: kill.fromStart ? 'started' : undefined },
  );
}

describe('sweep kill safety', () => {
  it('finishes after repeated SIGKILLs with one result per task, identical to an uninterrupted run', async () => {
    const plan = planTasks(syntheticPlan(PLAN_SEED));

    const referenceDir = join(root, 'reference');
    const runner = new LocalPoolRunner({ workers: 2, registryModules: [SYNTHETIC_KINDS_MODULE] });
    try {
      const reference = await runSweep({ outDir: referenceDir, plan, runner });
      expect(reference.done).toBe(30);
    } finally {
      await runner.close();
    }

    const refFiles = artefactFiles(referenceDir);
    const refSnapshot: SweepSnapshot = { files: refFiles, results: new Map() };
    const killedDir = join(root, 'killed');
    const rng = new Rng(2026);
    const attempts: Attempt[] = [];
    const kills = 6;
    for (let i = 0; i < kills; i++) {
      // One kill in five lands during start-up and recovery, the others while tasks run.
      const fromStart = rng.random() >= 0.2;
      const afterMs = fromStart
        ? Math.round(50 + 700 * rng.random())
        : Math.round(100 + 600 * rng.random());
      attempts.push(await attempt(killedDir, { afterMs, fromStart }));
      // Whatever instant the kill hit, every artefact visible in place is complete and final.
      expectOnlyCompleteArtefacts(killedDir, refSnapshot);
    }
    let final: Attempt | undefined;
    for (let i = 0; i < 5 && !final?.summary; i++) final = await attempt(killedDir);

    const hits = attempts.filter((a) => a.killed && a.started).length;
    expect(hits).toBeGreaterThanOrEqual(3);
    expect(final?.exitCode).toBe(0);
    expect(final?.summary).toMatchObject({ total: 30, done: 30, failed: [] });

    const reference = SweepState.open(referenceDir);
    const killed = SweepState.open(killedDir);
    const refRows = reference.allTasks();
    const rows = killed.allTasks();
    const duplicates = killed.db
      .prepare('SELECT key, COUNT(*) AS n FROM tasks GROUP BY key HAVING n > 1')
      .all();
    reference.close();
    killed.close();
    expect(duplicates).toEqual([]);
    expect(rows.map((r) => r.key).sort()).toEqual(plan.tasks.map((t) => t.key).sort());
    const refResult = new Map(refRows.map((r) => [r.key, r.result]));
    for (const row of rows) {
      expect(row.status).toBe('done');
      expect(row.result).toEqual(refResult.get(row.key));
    }
    // Tasks interrupted mid-run were started more than once: the kills did land inside tasks.
    expect(rows.some((r) => r.attempts > 1)).toBe(true);

    const files = artefactFiles(killedDir);
    expect([...files.keys()].sort()).toEqual([...refFiles.keys()].sort());
    for (const [path, bytes] of refFiles) expect(files.get(path)!.equals(bytes), path).toBe(true);
    expect(new ArtefactStore(join(killedDir, 'artefacts')).listTemps()).toEqual([]);
  });
});
