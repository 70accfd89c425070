/**
 * The sweep coordinator: records the plan in the state database, recovers from a crash, and keeps
 * the runner busy with tasks whose inputs are done until every task is done or failed. It is the
 * only writer of the database; runners only execute tasks and return results.
 *
 * Crash guarantees (the process may be killed at any instant and the call repeated):
 * - a task is recorded done only after its artefact folder was renamed into place, so a done
 *   row always has a complete artefact; a done row whose artefact has gone missing is redone;
 * - a task whose artefact was committed but whose done row was not written (killed in between)
 *   is adopted from the artefact's manifest instead of being rerun;
 * - tasks left running are reset to pending and their temporary folders removed;
 * - each task has exactly one row, keyed by its content hash.
 */
import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { ArtefactStore } from './artefact-store.js';
import type { JsonValue } from './canonical-json.js';
import { acquireCoordinatorLock } from './coordinator-lock.js';
import { seedOfKey } from './execute-task.js';
import type { Plan, PlannedTask } from './plan.js';
import type { TaskRequest, TaskRunner } from './runner.js';
import { SweepState, type TaskStatus } from './state.js';
import type { TaskProgress } from './task-kind.js';

/** Task counts of one kind. */
export interface KindCounts {
  total: number;
  done: number;
  running: number;
  failed: number;
}

/** Progress of a running sweep, sent after every change. */
export interface SweepProgress {
  stage: 'sweep';
  /** Tasks done (including reused ones). */
  done: number;
  total: number;
  running: number;
  failed: number;
  /** Counts per task kind, kinds in plan order. */
  byKind: Record<string, KindCounts>;
}

/** One event in a task's life, for logs. */
export interface SweepTaskEvent {
  type: 'start' | 'done' | 'reused' | 'retry' | 'failed' | 'progress';
  key: string;
  kind: string;
  /** Plan ids of the task. */
  ids: string[];
  worker?: string;
  durationMs?: number;
  error?: string;
  progress?: TaskProgress;
}

/** A task that failed every attempt. */
export interface FailedTask {
  key: string;
  kind: string;
  ids: string[];
  error: string;
}

/** Options of {@link runSweep}. */
export interface RunSweepOptions {
  /** Sweep output folder; holds `state.sqlite` and, by default, `artefacts/`. */
  outDir: string;
  /** The planned task graph ({@link planTasks}). */
  plan: Plan;
  /** Executes tasks; the caller creates and closes it. */
  runner: TaskRunner;
  /** Shared artefact folder (default `outDir/artefacts`), so sweeps can reuse each other's work. */
  cacheDir?: string;
  /** Identifies the sweep file; a folder recorded with another hash is refused (default: plan hash). */
  sweepHash?: string;
  /** Attempts per task before it is marked failed (default 3). */
  maxAttempts?: number;
  /** Stops submitting new tasks when aborted; tasks in flight finish. */
  signal?: AbortSignal;
  onProgress?: (progress: SweepProgress) => void;
  onTaskEvent?: (event: SweepTaskEvent) => void;
}

/** What a finished (or stopped) sweep reports. */
export interface SweepSummary {
  total: number;
  done: number;
  /** Tasks that failed every attempt, with their last error. */
  failed: FailedTask[];
  /** Tasks not run because an input failed (or the sweep was aborted). */
  notRun: number;
  /** Tasks executed in this call. */
  executed: number;
  /** Tasks found complete in the artefact folder (committed by an earlier run or another sweep). */
  reused: number;
  /** Failed attempts that were retried. */
  retried: number;
  /** What crash recovery found at start. */
  recovered: {
    /** Tasks left running by a killed process, reset to pending. */
    running: number;
    /** Failed tasks given a fresh try. */
    failed: number;
    /** Temporary folders of dead processes removed. */
    tempFolders: number;
    /** Done tasks whose artefact had gone missing, to be redone. */
    missingArtefacts: number;
    /** Rows of tasks no longer in the plan (another code version), removed. */
    staleRows: number;
  };
  /** Wall time of this call, ms. */
  wallMs: number;
  /** The artefact root used. */
  artefactRoot: string;
}

/**
 * Runs (or resumes) a sweep until every task is done or failed.
 *
 * @returns the summary; failed tasks are reported in it, not thrown
 * @throws InputError when the output folder belongs to another sweep or another live
 *   coordinator holds it, RangeError for a bad `maxAttempts`; all before any work starts
 */
export async function runSweep(options: RunSweepOptions): Promise<SweepSummary> {
  const started = performance.now();
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`runSweep: maxAttempts must be an integer ≥ 1, got ${maxAttempts}`);
  }
  if (typeof options.outDir !== 'string' || options.outDir.length === 0) {
    throw new InputError('runSweep: outDir must be a folder path');
  }
  const outDir = resolve(options.outDir);
  const store = new ArtefactStore(resolve(options.cacheDir ?? `${outDir}/artefacts`));
  const state = SweepState.open(outDir);
  let release: (() => void) | undefined;
  try {
    state.claim(options.sweepHash ?? options.plan.planHash, outDir);
    release = acquireCoordinatorLock(outDir);
    const coordinator = new Coordinator(options, state, store, maxAttempts);
    await coordinator.run();
    return coordinator.summary(performance.now() - started);
  } finally {
    state.close();
    release?.();
  }
}

class Coordinator {
  private readonly status = new Map<string, TaskStatus>();
  private readonly results = new Map<string, JsonValue>();
  private readonly unmet = new Map<string, number>();
  private readonly dependents = new Map<string, string[]>();
  private readonly failures = new Map<string, number>();
  private readonly errors = new Map<string, string>();
  /** FIFO of keys whose inputs are done; `readyHead` is the next to take (shift() is O(n)). */
  private ready: string[] = [];
  private readyHead = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly byKind: Record<string, KindCounts> = {};
  private readonly totals = { done: 0, running: 0, failed: 0 };
  private executed = 0;
  private reused = 0;
  private retried = 0;
  private readonly recovered = {
    running: 0,
    failed: 0,
    tempFolders: 0,
    missingArtefacts: 0,
    staleRows: 0,
  };

  constructor(
    private readonly options: RunSweepOptions,
    private readonly state: SweepState,
    private readonly store: ArtefactStore,
    private readonly maxAttempts: number,
  ) {}

  async run(): Promise<void> {
    this.recover();
    this.report();
    for (;;) {
      this.dispatch();
      if (this.inFlight.size === 0) break;
      await Promise.race(this.inFlight);
    }
  }

  /** Brings the database to a resumable state and loads it into memory. */
  private recover(): void {
    const { plan } = this.options;
    this.recovered.tempFolders = this.store.cleanStaleTemps();
    this.recovered.staleRows = this.state.syncPlan(plan.tasks).removed;
    Object.assign(this.recovered, this.state.recover());
    const rows = new Map(this.state.allTasks().map((row) => [row.key, row]));
    for (const task of plan.tasks) {
      const row = rows.get(task.key)!;
      let status = row.status;
      if (status === 'done' && !this.store.readManifest(task.kind, task.key)) {
        this.state.markPending(task.key);
        this.recovered.missingArtefacts++;
        status = 'pending';
      }
      this.setStatus(task, status);
      if (status === 'done') this.results.set(task.key, row.result);
      for (const dep of task.deps) {
        const list = this.dependents.get(dep);
        if (list) list.push(task.key);
        else this.dependents.set(dep, [task.key]);
      }
    }
    for (const task of plan.tasks) {
      if (this.status.get(task.key) !== 'pending') continue;
      const unmet = task.deps.filter((dep) => this.status.get(dep) !== 'done').length;
      this.unmet.set(task.key, unmet);
      if (unmet === 0) this.ready.push(task.key);
    }
  }

  private dispatch(): void {
    const { runner, signal } = this.options;
    while (this.inFlight.size < runner.capacity && this.hasReady() && !signal?.aborted) {
      const task = this.options.plan.byKey.get(this.takeReady())!;
      const manifest = this.store.readManifest(task.kind, task.key);
      if (manifest) {
        this.state.markDone(task.key, manifest.result, null);
        this.reused++;
        this.event({ type: 'reused', key: task.key, kind: task.kind, ids: task.ids });
        this.complete(task, manifest.result);
        continue;
      }
      this.start(task);
    }
  }

  private hasReady(): boolean {
    return this.readyHead < this.ready.length;
  }

  private takeReady(): string {
    const key = this.ready[this.readyHead++];
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
    return key;
  }

  private start(task: PlannedTask): void {
    const { runner } = this.options;
    this.state.markRunning(task.key, null);
    this.setStatus(task, 'running');
    this.report();
    const base = { key: task.key, kind: task.kind, ids: task.ids };
    const promise = runner
      .submit(this.request(task), {
        onStart: (worker) => {
          this.state.setWorker(task.key, worker);
          this.event({ ...base, type: 'start', worker });
        },
        onProgress: (progress) => this.event({ ...base, type: 'progress', progress }),
      })
      .then(
        (outcome) => {
          this.state.markDone(task.key, outcome.result, outcome.durationMs);
          this.executed++;
          this.event({ ...base, type: 'done', durationMs: outcome.durationMs });
          this.complete(task, outcome.result);
        },
        (error: unknown) => this.fail(task, error),
      )
      .finally(() => {
        this.inFlight.delete(promise);
      });
    this.inFlight.add(promise);
  }

  private request(task: PlannedTask): TaskRequest {
    return {
      key: task.key,
      kind: task.kind,
      version: task.version,
      params: task.params,
      inputs: task.deps.map((dep) => {
        const input = this.options.plan.byKey.get(dep)!;
        return {
          key: dep,
          kind: input.kind,
          dir: this.store.dirOf(input.kind, dep),
          result: this.results.get(dep)!,
        };
      }),
      artefactRoot: this.store.root,
      seed: seedOfKey(task.key),
    };
  }

  private complete(task: PlannedTask, result: JsonValue): void {
    this.setStatus(task, 'done');
    this.results.set(task.key, result);
    for (const child of this.dependents.get(task.key) ?? []) {
      if (this.status.get(child) !== 'pending') continue;
      const left = (this.unmet.get(child) ?? 0) - 1;
      this.unmet.set(child, left);
      if (left === 0) this.ready.push(child);
    }
    this.report();
  }

  private fail(task: PlannedTask, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const failures = (this.failures.get(task.key) ?? 0) + 1;
    this.failures.set(task.key, failures);
    const final = failures >= this.maxAttempts;
    this.state.markFailed(task.key, message, final);
    const base = { key: task.key, kind: task.kind, ids: task.ids, error: message };
    if (final) {
      this.setStatus(task, 'failed');
      this.errors.set(task.key, message);
      this.event({ ...base, type: 'failed' });
    } else {
      this.setStatus(task, 'pending');
      this.retried++;
      this.ready.push(task.key);
      this.event({ ...base, type: 'retry' });
    }
    this.report();
  }

  private event(event: SweepTaskEvent): void {
    // A failing listener must not break the sweep (or leave a task recorded as running).
    try {
      this.options.onTaskEvent?.(event);
    } catch {}
  }

  /** Sets a task's in-memory status and keeps the per-kind counters in step. */
  private setStatus(task: PlannedTask, status: TaskStatus): void {
    let counts = this.byKind[task.kind];
    if (!counts) {
      counts = { total: 0, done: 0, running: 0, failed: 0 };
      this.byKind[task.kind] = counts;
    }
    const previous = this.status.get(task.key);
    if (previous === undefined) counts.total++;
    else if (previous !== 'pending') {
      counts[previous]--;
      this.totals[previous]--;
    }
    if (status !== 'pending') {
      counts[status]++;
      this.totals[status]++;
    }
    this.status.set(task.key, status);
  }

  private counts(): SweepProgress {
    const byKind: Record<string, KindCounts> = {};
    for (const [kind, counts] of Object.entries(this.byKind)) byKind[kind] = { ...counts };
    return { stage: 'sweep', ...this.totals, total: this.options.plan.tasks.length, byKind };
  }

  private report(): void {
    if (!this.options.onProgress) return;
    try {
      this.options.onProgress(this.counts());
    } catch {}
  }

  summary(wallMs: number): SweepSummary {
    const counts = this.counts();
    const failed: FailedTask[] = [];
    for (const task of this.options.plan.tasks) {
      if (this.status.get(task.key) === 'failed') {
        failed.push({
          key: task.key,
          kind: task.kind,
          ids: task.ids,
          error: this.errors.get(task.key) ?? '',
        });
      }
    }
    return {
      total: counts.total,
      done: counts.done,
      failed,
      notRun: counts.total - counts.done - counts.failed,
      executed: this.executed,
      reused: this.reused,
      retried: this.retried,
      recovered: { ...this.recovered },
      wallMs,
      artefactRoot: this.store.root,
    };
  }
}
