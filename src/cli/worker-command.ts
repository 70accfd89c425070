/**
 * `hrtem worker`: executes sweep tasks from a queue (see docs/queue.md). Prints one line per
 * task with its duration; stops cleanly on SIGINT/SIGTERM after the running tasks finish.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { type QueueWorkerEvent, startQueueWorker } from '../sweep/queue/index.js';
import {
  addQueueConnectionOptions,
  integerOption,
  type QueueCliOptions,
  queueConnectionFromOptions,
} from './queue-cli.js';
import { stagesModulePath } from './stages-path.js';
import { formatDuration } from './sweep-progress.js';

/** Modules that register the task kinds of the pipeline's stages (the same as the local pool's). */
export const DEFAULT_REGISTRY_MODULES: string[] = [stagesModulePath()];

interface WorkerCliOptions extends QueueCliOptions {
  queue: string;
  workdir: string;
  root?: string;
  concurrency: number;
  registry?: string[];
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  name?: string;
}

/** Registers `hrtem worker --queue URL --workdir DIR`. */
export function registerWorkerCommand(program: Command): void {
  const command = program
    .command('worker')
    .description(
      'execute sweep tasks from a Redis queue; run one per machine (or several), started after or before `hrtem sweep --queue`',
    )
    .requiredOption(
      '--workdir <dir>',
      "the sweep's output folder (--out of `hrtem sweep`) as this machine mounts it",
    )
    .option('--root <dir>', 'refuse any workdir outside this folder (default: current folder)')
    .option(
      '--concurrency <n>',
      'tasks run at once, each on its own thread',
      integerOption('--concurrency', 1),
      availableParallelism(),
    )
    .option('--registry <modules...>', 'extra modules that register task kinds (paths)')
    .option('--name <name>', 'worker name shown by `hrtem status` (default HOST:PID)')
    .option(
      '--lock-duration-ms <ms>',
      'lock on a running task; a dead worker is noticed after this, ms',
      integerOption('--lock-duration-ms', 1000),
      30_000,
    )
    .option(
      '--stalled-interval-ms <ms>',
      'how often to look for tasks of dead workers, ms',
      integerOption('--stalled-interval-ms', 100),
      30_000,
    )
    .option(
      '--max-stalled-count <n>',
      'times a task may lose its worker before it is failed',
      integerOption('--max-stalled-count', 0),
      2,
    );
  addQueueConnectionOptions(command, true).action(async (options: WorkerCliOptions) => {
    await runWorker(options);
  });
}

/**
 * The log line of a worker event: one per finished task, with its duration (none for starts).
 *
 * @example formatWorkerEvent({ type: 'done', jobId: key, kind: 'train', durationMs: 900 })
 *   // 'done train 3fa2c1d09e7b in 900 ms'
 */
export function formatWorkerEvent(event: QueueWorkerEvent): string | undefined {
  const task = `${event.kind ?? '?'} ${event.jobId.slice(0, 12)}`;
  const took = event.durationMs !== undefined ? ` in ${formatDuration(event.durationMs)}` : '';
  switch (event.type) {
    case 'start':
      return undefined;
    case 'done':
      return `done ${task}${took}`;
    case 'reused':
      return `done ${task} (artefact already committed by an earlier attempt)`;
    case 'failed':
      return `failed ${task}${took}: ${event.error}`;
    default:
      return `${event.type} ${task}: ${event.error}`;
  }
}

async function runWorker(options: WorkerCliOptions): Promise<void> {
  const extra = (options.registry ?? []).map((m) =>
    m.startsWith('file:') || isAbsolute(m) ? m : resolve(m),
  );
  const worker = await startQueueWorker({
    ...queueConnectionFromOptions(options),
    workdir: options.workdir,
    root: options.root,
    concurrency: options.concurrency,
    registryModules: [...DEFAULT_REGISTRY_MODULES, ...extra],
    name: options.name,
    settings: {
      lockDurationMs: options.lockDurationMs,
      stalledIntervalMs: options.stalledIntervalMs,
      maxStalledCount: options.maxStalledCount,
    },
    onTaskEvent: (event) => {
      const line = formatWorkerEvent(event);
      if (line === undefined) return;
      if (event.type === 'rejected' || event.type === 'refused') console.error(line);
      else console.log(line);
    },
    onWarning: (warning) => console.error(`hrtem worker: warning: ${warning.message}`),
  });
  console.log(
    `worker ${worker.name}: ${options.concurrency} task thread(s), workdir ${resolve(options.workdir)}`,
  );
  const stop = () => {
    console.log(`worker ${worker.name}: stopping after the running tasks`);
    void worker.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await worker.stopped;
}
