/**
 * Must-show of issue 7: a sweep killed with SIGKILL at random points and rerun finishes with
 * exactly one result per task and artefacts byte-identical to an uninterrupted run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { ArtefactStore, MANIFEST_FILE } from './artefact-store.js';
import { LocalPoolRunner } from './local-pool-runner.js';
import { planTasks } from './plan.js';
import { runSweep, type SweepSummary } from './run-sweep.js';
import { SweepState } from './state.js';
import { SYNTHETIC_KINDS_MODULE, syntheticPlan } from './test-utils/synthetic-kinds.js';

const CHILD = fileURLToPath(new URL('./test-utils/kill-child.ts', import.meta.url));
const PLAN_SEED = 11;
const root = mkdtempSync(join(tmpdir(), 'hrtem-kill-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Attempt {
  killed: boolean;
  started: boolean;
  exitCode: number | null;
  summary?: SweepSummary;
}

/** Runs the child once; kills it `killAfterMs` after spawn, or after it started, if given. */
function attempt(outDir: string, kill?: { afterMs: number; fromStart: boolean }): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, outDir, String(PLAN_SEED)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let started = false;
    let killed = false;
    const killNow = () => {
      if (child.exitCode === null && child.signalCode === null) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    if (kill && !kill.fromStart) setTimeout(killNow, kill.afterMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!started && stdout.includes('started\n')) {
        started = true;
        if (kill?.fromStart) setTimeout(killNow, kill.afterMs);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (!killed && code !== 0) reject(new Error(`child failed (code ${code}): ${stderr}`));
      resolve({
        killed,
        started,
        exitCode: code,
        summary: line ? (JSON.parse(line) as SweepSummary) : undefined,
      });
    });
  });
}

/** Every file under the artefact folders (not .tmp), as relative path → bytes. */
function artefactFiles(outDir: string): Map<string, Buffer> {
  const base = join(outDir, 'artefacts');
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === '.tmp') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(base, path), readFileSync(path));
    }
  };
  if (existsSync(base)) walk(base);
  return files;
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
      const visible = artefactFiles(killedDir);
      for (const [path, bytes] of visible)
        expect(bytes.equals(refFiles.get(path)!), path).toBe(true);
      const dirs = new Set([...visible.keys()].map((p) => dirname(p)));
      for (const dir of dirs) expect(visible.has(join(dir, MANIFEST_FILE)), dir).toBe(true);
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
