/**
 * Runs sample jobs either in this thread or on a pool of worker threads. Every image depends only
 * on its own seed, so both give identical results; the pool only changes the speed.
 */
import { Worker } from 'node:worker_threads';
import { InputError, requireInteger } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Domain } from '../imaging/index.js';
import { type JobResult, runJob, type SampleJob, StructureLoader } from './samples.js';

/** Something that forms the images of jobs. */
export interface SampleRunner {
  run(job: SampleJob): Promise<JobResult>;
  /** Structure zero-defocus offsets seen so far, by structure id. */
  readonly offsets: Map<string, number>;
  close(): Promise<void>;
}

/** Forms images in this thread. */
export class InlineRunner implements SampleRunner {
  private readonly loader: StructureLoader;
  private readonly root: Rng;

  constructor(
    private readonly domain: Domain,
    seed: number,
  ) {
    this.loader = new StructureLoader(domain);
    this.root = new Rng(seed);
  }

  get offsets(): Map<string, number> {
    return this.loader.offsets;
  }

  run(job: SampleJob): Promise<JobResult> {
    return runJob(this.loader, this.root, this.domain, job);
  }

  async close(): Promise<void> {}
}

/** Data every worker starts with. */
export interface WorkerInit {
  domain: Domain;
  seed: number;
}

interface Pending {
  id: number;
  job: SampleJob;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
}

/** Rebuilds an error sent from a worker with its class, so the CLI reports it as one line. */
export function reviveError(error: { name: string; message: string }): Error {
  if (error.name === 'RangeError') return new RangeError(error.message);
  if (error.name === 'TypeError') return new TypeError(error.message);
  if (error.name === 'InputError') return new InputError(error.message);
  return new Error(error.message);
}

/** Forms images on worker threads, one job per worker at a time. */
export class WorkerRunner implements SampleRunner {
  readonly offsets = new Map<string, number>();
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private failure: Error | null = null;

  /**
   * @param count number of worker threads ≥ 1
   */
  constructor(count: number, init: WorkerInit) {
    requireInteger('workers', count, 1);
    const here = import.meta.url;
    // Under tsx or vitest this module is TypeScript: its worker registers tsx's loader first.
    const typescript = here.endsWith('.ts');
    const url = new URL(typescript ? './image-worker.ts' : './image-worker.js', here);
    const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
    for (let i = 0; i < count; i++) {
      const worker = typescript
        ? new Worker(bootstrap, { eval: true, workerData: init })
        : new Worker(url, { workerData: init });
      worker.on('message', (message) => this.onMessage(worker, message));
      worker.on('error', (error) => this.onFailure(worker, error));
      worker.on('exit', (code) => {
        if (code !== 0) this.onFailure(worker, new Error(`image worker exited with code ${code}`));
      });
      this.idle.push(worker);
    }
  }

  run(job: SampleJob): Promise<JobResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    const all = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    this.busy.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      worker.postMessage({ id: pending.id, job: pending.job });
    }
  }

  private onMessage(
    worker: Worker,
    message: { id: number; result?: JobResult; error?: { name: string; message: string } },
  ): void {
    const pending = this.busy.get(worker);
    if (!pending) return;
    this.busy.delete(worker);
    this.idle.push(worker);
    if (message.error) {
      pending.reject(reviveError(message.error));
    } else {
      const result = message.result!;
      this.offsets.set(pending.job.header.structureId, result.defocusOffset);
      pending.resolve(result);
    }
    this.dispatch();
  }

  private onFailure(worker: Worker, error: Error): void {
    this.failure ??= error;
    const pending = this.busy.get(worker);
    this.busy.delete(worker);
    pending?.reject(error);
    for (const queued of this.queue.splice(0)) queued.reject(error);
  }
}
