/**
 * The task-runner interface between the sweep coordinator and whatever executes tasks. A runner
 * only executes: it never writes the state database. The coordinator submits a task once all its
 * inputs are done, at most `capacity` at a time, and records what the promise settles to. A
 * local thread pool, the coordinator's own thread, or a distributed queue (BullMQ, issue 8) can
 * take this place without any change to the stages.
 */
import { executeTask, type TaskOutcome, type TaskRequest } from './execute-task.js';
import { loadRegistryModules, type TaskProgress } from './task-kind.js';

export type { TaskOutcome, TaskRequest } from './execute-task.js';

/** Callbacks for one submitted task. */
export interface TaskCallbacks {
  /** Called when the task actually starts, with the executing worker's name. */
  onStart?: (worker: string) => void;
  /** Progress reported from inside the task. */
  onProgress?: (progress: TaskProgress) => void;
}

/** Executes tasks; see the module doc. */
export interface TaskRunner {
  /** How many tasks the coordinator should keep in flight (≥ 1). */
  readonly capacity: number;
  /** Short description for logs, e.g. `local pool, 2 workers`. */
  readonly description: string;
  /**
   * Executes a task whose inputs are complete. Resolves with its result once its artefact is
   * committed; rejects with an Error whose message says why the task failed.
   */
  submit(request: TaskRequest, callbacks?: TaskCallbacks): Promise<TaskOutcome>;
  /** Stops the runner's workers; in-flight tasks are abandoned (their temporary folders stay). */
  close(): Promise<void>;
}

/** Options of {@link InProcessRunner}. */
export interface InProcessRunnerOptions {
  /** Tasks run concurrently on the event loop (default 1; useful only for I/O-bound kinds). */
  concurrency?: number;
  /** Registry modules to import before the first task (kinds usually are registered already). */
  registryModules?: string[];
}

/**
 * Runs tasks on the coordinator's own thread. For tests, debugging and tiny sweeps; CPU-bound
 * kinds block the event loop and the progress display while they run.
 */
export class InProcessRunner implements TaskRunner {
  readonly capacity: number;
  readonly description: string;
  private readonly loaded: Promise<void>;

  constructor(options: InProcessRunnerOptions = {}) {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(
        `InProcessRunner: concurrency must be an integer ≥ 1, got ${concurrency}`,
      );
    }
    this.capacity = concurrency;
    this.description = `in-process, concurrency ${concurrency}`;
    this.loaded = loadRegistryModules(options.registryModules ?? []);
  }

  async submit(request: TaskRequest, callbacks: TaskCallbacks = {}): Promise<TaskOutcome> {
    await this.loaded;
    callbacks.onStart?.(`main-${process.pid}`);
    return executeTask(request, callbacks.onProgress);
  }

  async close(): Promise<void> {}
}
