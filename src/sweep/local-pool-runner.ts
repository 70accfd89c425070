/**
 * A {@link TaskRunner} on a pool of worker threads in this process, one per core by default. Each
 * worker imports the registry modules, so stages register their kinds in modules the workers can
 * import. A worker that dies mid-task (an uncaught error, `process.exit` inside a task, running
 * out of memory) fails that task with a message and is replaced.
 *
 * Under vitest or tsx the sources are TypeScript; the worker then starts through tsx's ESM
 * register API (Node 20 ignores `--import tsx` in a worker's execArgv for a `.ts` entry). The
 * compiled `dist/` runs the `.js` entry directly.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, hostname } from 'node:os';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { JsonValue } from './canonical-json.js';
import type { TaskCallbacks, TaskOutcome, TaskRequest, TaskRunner } from './runner.js';
import type { FromWorker, ToWorker } from './worker-entry.js';

/** Options of {@link LocalPoolRunner}. */
export interface LocalPoolRunnerOptions {
  /** Absolute paths (or file URLs) of modules that register the task kinds. */
  registryModules: string[];
  /** Worker threads (default: `os.availableParallelism()`). */
  workers?: number;
  /** Heap limit per worker, MiB (default: Node's). */
  maxOldGenerationSizeMb?: number;
  /** A task running longer than this is failed and its worker replaced, ms (default: no limit). */
  taskTimeoutMs?: number;
}

interface Job {
  id: number;
  request: TaskRequest;
  callbacks: TaskCallbacks;
  resolve: (outcome: TaskOutcome) => void;
  reject: (error: Error) => void;
}

interface Slot {
  index: number;
  name: string;
  worker: Worker;
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
  timedOut?: boolean;
}

/** Runs tasks on worker threads; see the module doc. */
export class LocalPoolRunner implements TaskRunner {
  readonly capacity: number;
  readonly description: string;
  private readonly options: LocalPoolRunnerOptions;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closing = false;
  private fatal: Error | undefined;

  /**
   * @throws RangeError if `workers` is not an integer in [1, 1024]
   * @throws TypeError if a registry module is not an absolute path or file URL
   */
  constructor(options: LocalPoolRunnerOptions) {
    const workers = options.workers ?? availableParallelism();
    if (!Number.isInteger(workers) || workers < 1 || workers > 1024) {
      throw new RangeError(
        `LocalPoolRunner: workers must be an integer in [1, 1024], got ${workers}`,
      );
    }
    const timeout = options.taskTimeoutMs;
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
      throw new RangeError(`LocalPoolRunner: taskTimeoutMs must be > 0 ms, got ${timeout} ms`);
    }
    for (const spec of options.registryModules ?? []) {
      if (!spec.startsWith('file:') && !isAbsolute(spec)) {
        throw new TypeError(
          `LocalPoolRunner: registryModules entries must be absolute paths or file URLs, got '${spec}'`,
        );
      }
    }
    this.options = { ...options, registryModules: [...(options.registryModules ?? [])] };
    this.capacity = workers;
    this.description = `local pool, ${workers} worker thread${workers === 1 ? '' : 's'}`;
    for (let i = 0; i < workers; i++) this.slots.push(this.spawn(i));
  }

  /**
   * Resolves once every worker has loaded the registry modules (for benchmarks that should not
   * count start-up); rejects if a worker cannot start.
   */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.fatal) reject(this.fatal);
        else if (this.slots.every((slot) => slot.ready)) resolve();
        else setTimeout(check, 10);
      };
      check();
    });
  }

  submit(request: TaskRequest, callbacks: TaskCallbacks = {}): Promise<TaskOutcome> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.closing) return Promise.reject(new Error('LocalPoolRunner: submit after close'));
    return new Promise<TaskOutcome>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, callbacks, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('LocalPoolRunner closed'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      job.callbacks.onStart?.(slot.name);
      const message: ToWorker = { type: 'run', id: job.id, request: job.request };
      slot.worker.postMessage(message);
      const timeout = this.options.taskTimeoutMs;
      if (timeout !== undefined) {
        slot.timer = setTimeout(() => {
          slot.timedOut = true;
          void slot.worker.terminate();
        }, timeout);
      }
    }
  }

  private spawn(index: number): Slot {
    const worker = startWorker({ registryModules: this.options.registryModules }, this.options);
    const slot: Slot = {
      index,
      name: `${hostname()}-${process.pid}-w${index}`,
      worker,
      ready: false,
    };
    let lastError: Error | undefined;
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    worker.on('error', (error) => {
      lastError = error;
    });
    worker.on('exit', (code) => {
      clearTimeout(slot.timer);
      if (this.closing) return;
      const why = slot.timedOut
        ? `: no result after taskTimeoutMs = ${this.options.taskTimeoutMs} ms`
        : lastError
          ? `: ${lastError.message}`
          : '';
      if (!slot.ready) {
        this.fail(
          new Error(
            `LocalPoolRunner: worker ${slot.name} stopped while starting (exit code ${code})${why}`,
          ),
        );
        return;
      }
      const job = slot.job;
      slot.job = undefined;
      if (job) {
        job.reject(
          new Error(
            `worker ${slot.name} stopped (exit code ${code}) while running ${job.request.kind} task ${job.request.key.slice(0, 12)}${why}`,
          ),
        );
      }
      const replacement = this.spawn(index);
      this.slots[this.slots.indexOf(slot)] = replacement;
    });
    return slot;
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        slot.ready = true;
        this.pump();
        return;
      case 'fatal':
        this.fail(
          new Error(`LocalPoolRunner: worker ${slot.name} could not start: ${message.message}`),
        );
        return;
      case 'progress':
        if (slot.job?.id === message.id) {
          slot.job.callbacks.onProgress?.({
            stage: message.stage,
            done: message.done,
            total: message.total,
          });
        }
        return;
      case 'done':
      case 'error': {
        const job = slot.job;
        if (!job || job.id !== message.id) return;
        clearTimeout(slot.timer);
        slot.job = undefined;
        if (message.type === 'done') {
          job.resolve({ result: message.result as JsonValue, durationMs: message.durationMs });
        } else {
          const error = new Error(message.message);
          if (message.stack) error.stack = message.stack;
          job.reject(error);
        }
        this.pump();
        return;
      }
    }
  }

  /** A worker cannot start (bad registry module): every task would fail the same way. */
  private fail(error: Error): void {
    if (this.fatal) return;
    this.fatal = error;
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const slot of this.slots) {
      if (slot.job) slot.job.reject(error);
      slot.job = undefined;
    }
    this.closing = true;
    for (const slot of this.slots) void slot.worker.terminate();
  }
}

function startWorker(
  workerData: { registryModules: string[] },
  options: LocalPoolRunnerOptions,
): Worker {
  const resourceLimits =
    options.maxOldGenerationSizeMb !== undefined
      ? { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb }
      : undefined;
  const self = import.meta.url;
  if (!self.endsWith('.ts')) {
    return new Worker(new URL('./worker-entry.js', self), { workerData, resourceLimits });
  }
  const entry = new URL('./worker-entry.ts', self).href;
  const tsxApi = resolveTsxEsmApi();
  if (tsxApi === undefined) {
    return new Worker(fileURLToPath(entry), {
      workerData,
      resourceLimits,
      execArgv: ['--import', 'tsx'],
    });
  }
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData, resourceLimits });
}

/** File URL of tsx's ESM register API, or undefined when tsx is not installed. */
function resolveTsxEsmApi(): string | undefined {
  try {
    const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
    const mjs = cjs.replace(/\.cjs$/, '.mjs');
    return pathToFileURL(existsSync(mjs) ? mjs : cjs).href;
  } catch {
    return undefined;
  }
}
