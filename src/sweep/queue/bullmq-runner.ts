/**
 * A {@link TaskRunner} on a BullMQ queue in Redis: the coordinator (`runSweep`) submits each
 * task whose inputs are done as one job, and any number of `hrtem worker` processes on any
 * machines execute them. Results come back through job completion (QueueEvents, with a periodic
 * check of each job's state so no result is lost while Redis restarts); the coordinator records
 * them in its state database, which only it writes.
 *
 * Job ids are task keys, so adding a task twice (a restarted coordinator) attaches to the job
 * already there instead of running it again. A job found completed is taken as done when its
 * artefact is on disk; a job found failed (from an earlier run) is removed and added afresh,
 * since the coordinator asks only for tasks it wants to run again.
 */
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { ArtefactStore } from '../artefact-store.js';
import type { TaskCallbacks, TaskOutcome, TaskRequest, TaskRunner } from '../runner.js';
import {
  bullConnection,
  checkRedis,
  DEFAULT_PREFIX,
  DEFAULT_QUEUE_NAME,
  type QueueConnectionOptions,
  redactUrl,
  redisOptions,
} from './connection.js';
import { packageVersion } from './package-version.js';
import {
  type CodeVersion,
  codeVersionOf,
  type JobData,
  JobProgressSchema,
  JobResultSchema,
  PAYLOAD_VERSION,
} from './payload.js';
import {
  DEFAULT_QUEUE_SETTINGS,
  metaKey,
  QUEUE_SWEEP_FILE,
  type QueueSettings,
} from './settings.js';

/** Options of {@link BullMqRunner.create}. */
export interface BullMqRunnerOptions extends QueueConnectionOptions {
  /**
   * Artefact root of the sweep (the coordinator's view), to confirm reported artefacts; its
   * parent folder (the sweep's output folder) gets `queue-sweep.json` for workers to check.
   */
  artefactRoot: string;
  /** Plan hash of the sweep, sent with every job. */
  sweepHash: string;
  /** Kinds of the sweep; their registered versions make up the code version. */
  kinds: string[];
  /** Attempts, back-off and retention (defaults: {@link DEFAULT_QUEUE_SETTINGS}). */
  settings?: Partial<Pick<QueueSettings, 'attempts' | 'backoffMs' | 'keepFinishedJobsS'>>;
  /** Most tasks queued or running at once (default 100 000: every ready task). */
  maxQueued?: number;
  /** How often every pending job's state is checked directly, ms (default 5000). */
  reconcileIntervalMs?: number;
  /** Package version to claim (default: package.json's); tests use it to fake a version. */
  packageVersion?: string;
  /** Workers refusing jobs, stalled jobs, connection trouble. */
  onWarning?: (warning: { code: string; message: string }) => void;
}

interface Pending {
  request: TaskRequest;
  callbacks: TaskCallbacks;
  resolve: (outcome: TaskOutcome) => void;
  reject: (error: Error) => void;
  started: boolean;
}

/** Runs tasks on a BullMQ queue; see the module doc. */
export class BullMqRunner implements TaskRunner {
  readonly capacity: number;
  readonly description: string;
  /** The code version sent with every job. */
  readonly code: CodeVersion;
  private readonly pending = new Map<string, Pending>();
  private readonly store: ArtefactStore;
  private readonly settings: QueueSettings;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly options: BullMqRunnerOptions,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly client: Redis,
  ) {
    this.capacity = options.maxQueued ?? 100_000;
    this.description = `queue ${options.queueName ?? DEFAULT_QUEUE_NAME} on ${redactUrl(options.url)}`;
    this.code = codeVersionOf(options.packageVersion ?? packageVersion(), options.kinds);
    this.store = new ArtefactStore(options.artefactRoot);
    this.settings = { ...DEFAULT_QUEUE_SETTINGS, ...options.settings };
  }

  /**
   * Connects to the queue, subscribes to its events and publishes this coordinator's code
   * version for workers to check at start.
   *
   * @throws InputError when Redis is unreachable or refuses the password (within
   *   `connectTimeoutMs`), RangeError for bad settings
   */
  static async create(options: BullMqRunnerOptions): Promise<BullMqRunner> {
    const attempts = options.settings?.attempts ?? DEFAULT_QUEUE_SETTINGS.attempts;
    if (!Number.isInteger(attempts) || attempts < 1) {
      throw new RangeError(`BullMqRunner: attempts must be an integer ≥ 1, got ${attempts}`);
    }
    const maxQueued = options.maxQueued ?? 100_000;
    if (!Number.isInteger(maxQueued) || maxQueued < 1) {
      throw new RangeError(`BullMqRunner: maxQueued must be an integer ≥ 1, got ${maxQueued}`);
    }
    const connection = bullConnection(options);
    await checkRedis(options);
    writeFileAtomic(
      join(dirname(options.artefactRoot), QUEUE_SWEEP_FILE),
      `${JSON.stringify({ sweep: options.sweepHash, queueName: options.queueName ?? DEFAULT_QUEUE_NAME })}\n`,
    );
    const name = options.queueName ?? DEFAULT_QUEUE_NAME;
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    const queue = new Queue(name, { connection, prefix });
    const events = new QueueEvents(name, { connection, prefix });
    const client = new Redis({ ...redisOptions(options), maxRetriesPerRequest: 2 });
    const runner = new BullMqRunner(options, queue, events, client);
    client.on('error', (error) => runner.warn('queue-connection', error.message));
    queue.on('error', (error) => runner.warn('queue-connection', error.message));
    events.on('error', (error) => runner.warn('queue-connection', error.message));
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    await runner.subscribe();
    await client.set(
      metaKey(options),
      JSON.stringify({
        code: runner.code,
        sweep: options.sweepHash,
        host: hostname(),
        pid: process.pid,
        startedAt: new Date().toISOString(),
      }),
    );
    runner.timer = setInterval(() => void runner.reconcile(), options.reconcileIntervalMs ?? 5000);
    runner.timer.unref();
    return runner;
  }

  submit(request: TaskRequest, callbacks: TaskCallbacks = {}): Promise<TaskOutcome> {
    if (this.closed) return Promise.reject(new Error('BullMqRunner: submit after close'));
    if (this.pending.has(request.key)) {
      return Promise.reject(new Error(`BullMqRunner: task ${request.key} is already submitted`));
    }
    return new Promise<TaskOutcome>((resolve, reject) => {
      this.pending.set(request.key, { request, callbacks, resolve, reject, started: false });
      this.enqueue(request).catch((error: unknown) => this.settle(request.key, error as Error));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const key of [...this.pending.keys()]) {
      this.settle(key, new Error('BullMqRunner closed; the job stays queued'));
    }
    try {
      const meta = await this.client.get(metaKey(this.options));
      if (meta && (JSON.parse(meta) as { pid?: number }).pid === process.pid) {
        await this.client.del(metaKey(this.options));
      }
    } catch {
      // Redis gone: nothing to clean up.
    }
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    this.client.disconnect();
  }

  private async subscribe(): Promise<void> {
    this.events.on('completed', ({ jobId, returnvalue }) => {
      this.completed(jobId, returnvalue);
    });
    this.events.on('failed', ({ jobId, failedReason }) => {
      this.settle(jobId, new Error(failedReason));
    });
    this.events.on('progress', ({ jobId, data }) => this.progress(jobId, data));
    this.events.on('stalled', ({ jobId }) => {
      const task = this.pending.get(jobId);
      if (!task) return;
      this.warn(
        'task-stalled',
        `${task.request.kind} task ${jobId.slice(0, 12)} stalled (its worker stopped renewing the lock); it goes back to the queue`,
      );
    });
  }

  private async enqueue(request: TaskRequest): Promise<void> {
    const key = request.key;
    // State first, then the job: a job read before it completed would lack its return value.
    const state = await this.queue.getJobState(key);
    if (state === 'completed') {
      const job = await this.queue.getJob(key);
      if (job) {
        this.completed(key, job.returnvalue, job);
        return;
      }
    } else if (state !== 'failed' && state !== 'unknown') {
      return; // queued or running: attach
    }
    const existing = await this.queue.getJob(key);
    if (existing) await existing.remove();
    await this.add(request);
  }

  private async add(request: TaskRequest): Promise<void> {
    const data: JobData = {
      v: PAYLOAD_VERSION,
      key: request.key,
      kind: request.kind,
      version: request.version,
      params: request.params as JobData['params'],
      inputs: request.inputs.map((input) => ({
        key: input.key,
        kind: input.kind,
        result: input.result,
      })),
      seed: request.seed,
      code: this.code,
      sweep: this.options.sweepHash,
    };
    await this.queue.add(request.kind, data, {
      jobId: request.key,
      attempts: this.settings.attempts,
      backoff: { type: 'exponential', delay: this.settings.backoffMs },
      removeOnComplete: { age: this.settings.keepFinishedJobsS },
      removeOnFail: { age: this.settings.keepFinishedJobsS },
    });
  }

  /** A job finished: check what it returned and that its artefact is in place. */
  private completed(jobId: string, returnvalue: unknown, job?: Job): void {
    const task = this.pending.get(jobId);
    if (!task) return;
    const parsed = JobResultSchema.safeParse(returnvalue);
    if (!parsed.success) {
      this.settle(
        jobId,
        new Error(`job ${jobId.slice(0, 12)} returned a malformed result: ${parsed.error.message}`),
      );
      return;
    }
    if (!this.store.readManifest(task.request.kind, jobId)) {
      if (job) {
        // Completed in an earlier run but the artefact has gone: run it again.
        void job
          .remove()
          .then(() => this.add(task.request))
          .catch((error: unknown) => this.settle(jobId, error as Error));
        return;
      }
      this.settle(
        jobId,
        new Error(
          `worker ${parsed.data.worker} reported ${task.request.kind} task ${jobId.slice(0, 12)} done, but its artefact is not in ${this.store.dirOf(task.request.kind, jobId)}; does the worker's --workdir name the sweep's output folder on a shared filesystem?`,
        ),
      );
      return;
    }
    if (!task.started) task.callbacks.onStart?.(parsed.data.worker);
    this.settle(jobId, undefined, {
      result: parsed.data.result,
      durationMs: parsed.data.durationMs,
    });
  }

  private progress(jobId: string, data: unknown): void {
    const task = this.pending.get(jobId);
    if (!task) return;
    const parsed = JobProgressSchema.safeParse(data);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'start') {
      task.started = true;
      task.callbacks.onStart?.(message.worker);
    } else if (message.type === 'progress') {
      task.callbacks.onProgress?.({
        stage: message.stage,
        done: message.done,
        total: message.total,
      });
    } else {
      this.warn('worker-refused', message.message);
    }
  }

  /** Checks the state of every pending job directly (events can be missed over a reconnect). */
  private async reconcile(): Promise<void> {
    for (const [key, task] of [...this.pending]) {
      if (this.closed) return;
      try {
        const state = await this.queue.getJobState(key);
        if (state === 'unknown') {
          // Lost from Redis (restarted without persistence, or flushed): add it again.
          await this.add(task.request);
          continue;
        }
        if (state !== 'completed' && state !== 'failed') continue;
        const job = await this.queue.getJob(key);
        if (!job) continue;
        if (state === 'completed') this.completed(key, job.returnvalue);
        else this.settle(key, new Error(job.failedReason));
      } catch (error) {
        this.warn('queue-connection', (error as Error).message);
        return;
      }
    }
  }

  private settle(key: string, error?: Error, outcome?: TaskOutcome): void {
    const task = this.pending.get(key);
    if (!task) return;
    this.pending.delete(key);
    if (error) task.reject(error);
    else task.resolve(outcome!);
  }

  private warn(code: string, message: string): void {
    this.options.onWarning?.({ code, message });
  }
}
