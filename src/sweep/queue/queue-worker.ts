/**
 * A queue worker: takes sweep tasks from a BullMQ queue and executes them on a pool of worker
 * threads in this process (one per core by default), writing artefacts under its `workdir`
 * (the sweep's output folder as mounted on this machine). It never touches the state database;
 * the coordinator records what each job returns.
 *
 * Before acting on a job the worker validates its data ({@link parseJobData}), checks that the
 * kind is registered here, and compares the coordinator's code version with its own. A job of
 * another code version is put back in the queue for another worker, and this worker stops with
 * an error naming both versions. Paths never come from the queue: the artefact folder is
 * `workdir/artefacts`, which must lie inside `root`.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type ConnectionOptions, type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { InputError } from '../../core/errors.js';
import { ArtefactStore } from '../artefact-store.js';
import { LocalPoolRunner } from '../local-pool-runner.js';
import type { TaskRequest } from '../runner.js';
import { getTaskKind, listTaskKinds, loadRegistryModules } from '../task-kind.js';
import {
  bullConnection,
  checkRedis,
  DEFAULT_PREFIX,
  DEFAULT_QUEUE_NAME,
  type QueueConnectionOptions,
  redisOptions,
} from './connection.js';
import { packageVersion } from './package-version.js';
import {
  CodeVersionSchema,
  codeVersionDifferences,
  codeVersionOf,
  describeCodeVersion,
  type JobData,
  type JobProgress,
  type JobResult,
  parseJobData,
} from './payload.js';
import {
  DEFAULT_QUEUE_SETTINGS,
  metaKey,
  QUEUE_SWEEP_FILE,
  type QueueSettings,
} from './settings.js';

/** One event in a worker's life, for its log (one line per task). */
export interface QueueWorkerEvent {
  type: 'start' | 'done' | 'reused' | 'failed' | 'rejected' | 'refused';
  /** Job id (the task key when the payload was valid). */
  jobId: string;
  kind?: string;
  /** Wall time of the task, ms (done and failed). */
  durationMs?: number;
  /** Why the task failed or was rejected or refused. */
  error?: string;
}

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions extends QueueConnectionOptions {
  /** The sweep's output folder as this machine mounts it; artefacts go to `workdir/artefacts`. */
  workdir: string;
  /** Folder the workdir must lie in (default: the current directory). */
  root?: string;
  /** Absolute paths (or file URLs) of the modules that register the task kinds. */
  registryModules: string[];
  /** Tasks run at once, each on its own thread (default: `os.availableParallelism()`). */
  concurrency?: number;
  /** Lock and stall settings; see docs/queue.md (defaults: {@link DEFAULT_QUEUE_SETTINGS}). */
  settings?: Partial<
    Pick<QueueSettings, 'lockDurationMs' | 'stalledIntervalMs' | 'maxStalledCount'>
  >;
  /** Worker name shown in status and stored on each job (default `HOST:PID`). */
  name?: string;
  /** Package version to claim (default: package.json's); tests use it to fake an old worker. */
  packageVersion?: string;
  /** Called for every task event (the CLI prints one line per task). */
  onTaskEvent?: (event: QueueWorkerEvent) => void;
  /** Connection problems and other non-fatal trouble. */
  onWarning?: (warning: { code: string; message: string }) => void;
}

/** A running worker. */
export interface QueueWorkerHandle {
  /** The worker's name. */
  readonly name: string;
  /** Resolves when the worker has stopped; rejects if it stopped because it refused a job. */
  readonly stopped: Promise<void>;
  /** Stops taking jobs, waits for the running ones, and stops. */
  close(): Promise<void>;
}

/**
 * Starts a queue worker.
 *
 * @throws InputError when the workdir lies outside the root, Redis is unreachable or refuses
 *   the password, or the coordinator of the queue runs another code version (message names
 *   both); RangeError for a bad concurrency; all before any job is taken
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const concurrency = options.concurrency ?? availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) {
    throw new RangeError(`worker: concurrency must be an integer in [1, 1024], got ${concurrency}`);
  }
  const workdir = checkWorkdir(options.workdir, options.root ?? process.cwd());
  const connection = bullConnection(options);
  await checkRedis(options);
  await loadRegistryModules(options.registryModules);
  const version = options.packageVersion ?? packageVersion();
  await checkCoordinatorVersion(options, version);

  const worker = new QueueWorker(options, workdir, concurrency, version);
  worker.start(connection);
  return worker;
}

/**
 * Resolves `workdir` and checks that it lies inside `root` (after following symbolic links).
 * Creates the workdir when it is missing.
 *
 * @returns the absolute, real path of the workdir
 * @throws InputError when the root does not exist or the workdir lies outside it
 */
export function checkWorkdir(workdir: string, root: string): string {
  if (typeof workdir !== 'string' || workdir.length === 0) {
    throw new InputError('worker: --workdir must name the sweep output folder');
  }
  let realRoot: string;
  try {
    realRoot = realpathSync(resolve(root));
  } catch {
    throw new InputError(`worker: --root ${root} does not exist`);
  }
  const outside = (path: string) => {
    const rel = relative(realRoot, path);
    return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  };
  const wanted = resolve(workdir);
  // Check the lexical path first, so nothing is created outside the root.
  let existing = wanted;
  while (!existsSync(existing)) existing = dirname(existing);
  const realExisting = realpathSync(existing);
  const lexical = resolve(realExisting, relative(existing, wanted));
  if (outside(lexical)) {
    throw new InputError(
      `worker: --workdir ${workdir} (${lexical}) lies outside the worker's --root ${realRoot}; choose a workdir inside the root or start the worker with a --root that contains it`,
    );
  }
  mkdirSync(wanted, { recursive: true });
  const real = realpathSync(wanted);
  if (outside(real)) {
    throw new InputError(
      `worker: --workdir ${workdir} resolves to ${real}, outside the worker's --root ${realRoot}`,
    );
  }
  return real;
}

async function checkCoordinatorVersion(
  options: QueueConnectionOptions,
  version: string,
): Promise<void> {
  const client = new Redis({ ...redisOptions(options), maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    const text = await client.get(metaKey(options));
    if (!text) return;
    const parsed = CodeVersionSchema.safeParse((JSON.parse(text) as { code?: unknown }).code);
    if (!parsed.success) return;
    const theirs = parsed.data;
    const mine = codeVersionOf(version, Object.keys(theirs.kinds));
    const diffs = codeVersionDifferences(mine, theirs);
    if (diffs.length > 0) {
      throw new InputError(
        `worker: this worker's code version (${describeCodeVersion(mine)}) differs from the coordinator's (${describeCodeVersion(theirs)}): ${diffs.join('; ')}; install the same hrtem version and task kinds as the coordinator`,
      );
    }
  } finally {
    client.disconnect();
  }
}

class QueueWorker implements QueueWorkerHandle {
  readonly name: string;
  readonly stopped: Promise<void>;
  private worker: Worker | undefined;
  private readonly pool: LocalPoolRunner;
  private readonly store: ArtefactStore;
  private refusal: Error | undefined;
  private closing: Promise<void> | undefined;
  private resolveStopped!: () => void;
  private rejectStopped!: (error: Error) => void;

  constructor(
    private readonly options: QueueWorkerOptions,
    workdir: string,
    private readonly concurrency: number,
    private readonly version: string,
  ) {
    this.name = options.name ?? `${hostname()}:${process.pid}`;
    this.store = new ArtefactStore(resolve(workdir, 'artefacts'));
    this.pool = new LocalPoolRunner({
      workers: concurrency,
      registryModules: options.registryModules,
    });
    this.stopped = new Promise<void>((res, rej) => {
      this.resolveStopped = res;
      this.rejectStopped = rej;
    });
    // A refusal is reported through `stopped`; callers that only close() must not crash on it.
    this.stopped.catch(() => {});
  }

  start(connection: ConnectionOptions): void {
    const settings = { ...DEFAULT_QUEUE_SETTINGS, ...this.options.settings };
    this.store.cleanStaleTemps();
    this.worker = new Worker(
      this.options.queueName ?? DEFAULT_QUEUE_NAME,
      (job, token) => this.process(job, token),
      {
        connection,
        prefix: this.options.prefix ?? DEFAULT_PREFIX,
        name: this.name,
        concurrency: this.concurrency,
        lockDuration: settings.lockDurationMs,
        stalledInterval: settings.stalledIntervalMs,
        maxStalledCount: settings.maxStalledCount,
        // Results are read by the coordinator; the queue keeps them (see docs/queue.md).
        removeOnComplete: { age: settings.keepFinishedJobsS },
        removeOnFail: { age: settings.keepFinishedJobsS },
      },
    );
    this.worker.on('error', (error) =>
      this.options.onWarning?.({ code: 'queue-connection', message: error.message }),
    );
  }

  private async process(job: Job, token: string | undefined): Promise<JobResult> {
    const jobId = String(job.id);
    let data: JobData;
    try {
      data = parseJobData(job.data, jobId);
    } catch (error) {
      const message = (error as Error).message;
      this.event({ type: 'rejected', jobId, error: message });
      throw new UnrecoverableError(message);
    }
    if (!getTaskKind(data.kind)) {
      const message = `job ${jobId}: unknown task kind '${data.kind}' (registered in worker ${this.name}: ${listTaskKinds().join(', ') || 'none'}); refused`;
      this.event({ type: 'rejected', jobId, kind: data.kind, error: message });
      throw new UnrecoverableError(message);
    }
    const refusal = this.checkCompatible(data);
    if (refusal) {
      await this.refuse(job, token, data, refusal);
      throw new WaitingError();
    }

    this.store.cleanStaleTemps();
    await this.progress(job, { type: 'start', worker: this.name });
    const manifest = this.store.readManifest(data.kind, data.key);
    if (manifest) {
      // Committed by an earlier attempt whose completion never reached Redis: report, not redo.
      this.event({ type: 'reused', jobId, kind: data.kind, durationMs: 0 });
      return { result: manifest.result, durationMs: 0, worker: this.name };
    }
    this.event({ type: 'start', jobId, kind: data.kind });
    const started = performance.now();
    try {
      const outcome = await this.pool.submit(this.request(data), {
        onProgress: (p) => void this.progress(job, { type: 'progress', ...p }),
      });
      this.event({ type: 'done', jobId, kind: data.kind, durationMs: outcome.durationMs });
      return { result: outcome.result, durationMs: outcome.durationMs, worker: this.name };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const durationMs = performance.now() - started;
      this.event({ type: 'failed', jobId, kind: data.kind, durationMs, error: message });
      throw new Error(message);
    }
  }

  private request(data: JobData): TaskRequest {
    return {
      key: data.key,
      kind: data.kind,
      version: data.version,
      params: data.params,
      inputs: data.inputs.map((input) => ({
        key: input.key,
        kind: input.kind,
        dir: this.store.dirOf(input.kind, input.key),
        result: input.result,
      })),
      artefactRoot: this.store.root,
      seed: data.seed,
    };
  }

  /** Why this worker must not run the job (another code version or sweep), or undefined. */
  private checkCompatible(data: JobData): string | undefined {
    const task = `${data.kind} task ${data.key.slice(0, 12)}`;
    const mine = codeVersionOf(this.version, Object.keys(data.code.kinds));
    const diffs = codeVersionDifferences(mine, data.code);
    if (diffs.length > 0) {
      return `worker ${this.name} refuses ${task}: its code version (${describeCodeVersion(mine)}) differs from the coordinator's (${describeCodeVersion(data.code)}): ${diffs.join('; ')}; install the same hrtem version and task kinds everywhere`;
    }
    const marker = join(dirname(this.store.root), QUEUE_SWEEP_FILE);
    let sweep: string | undefined;
    try {
      sweep = (JSON.parse(readFileSync(marker, 'utf8')) as { sweep?: string }).sweep;
    } catch {
      return `worker ${this.name} refuses ${task}: its workdir ${dirname(this.store.root)} has no readable ${QUEUE_SWEEP_FILE}, so it is not the output folder of the sweep that queued the task; give --workdir the sweep's --out folder as this machine mounts it`;
    }
    if (sweep !== data.sweep) {
      return `worker ${this.name} refuses ${task}: its workdir ${dirname(this.store.root)} belongs to sweep ${String(sweep).slice(0, 12)}… but the task comes from sweep ${data.sweep.slice(0, 12)}…; run one sweep per queue name (--queue-name) at a time`;
    }
    return undefined;
  }

  /** Puts a job this worker must not run back for other workers, and stops this worker. */
  private async refuse(
    job: Job,
    token: string | undefined,
    data: JobData,
    message: string,
  ): Promise<void> {
    if (this.refusal) {
      // Already stopping: put it back quietly (it was reported once).
      await job.moveToWait(token);
      return;
    }
    this.event({ type: 'refused', jobId: String(job.id), kind: data.kind, error: message });
    await this.progress(job, { type: 'refused', worker: this.name, message });
    this.refusal = new InputError(message);
    await job.moveToWait(token);
    // Not awaited: close() waits for this job to leave the processor.
    void this.close();
  }

  private async progress(job: Job, progress: JobProgress): Promise<void> {
    try {
      await job.updateProgress(progress);
    } catch (error) {
      this.options.onWarning?.({ code: 'queue-progress', message: (error as Error).message });
    }
  }

  private event(event: QueueWorkerEvent): void {
    this.options.onTaskEvent?.(event);
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        try {
          await this.worker?.close();
        } finally {
          await this.pool.close();
        }
        if (this.refusal) this.rejectStopped(this.refusal);
        else this.resolveStopped();
      })();
    }
    return this.closing;
  }
}
