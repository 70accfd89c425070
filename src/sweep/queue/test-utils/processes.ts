/**
 * Helpers of the queue tests: worker and coordinator child processes, and byte-level
 * comparison of artefact folders.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { expect } from 'vitest';
import { redisOptions } from '../connection.js';
import type { QueueWorkerEvent, QueueWorkerOptions } from '../queue-worker.js';

const WORKER_CHILD = fileURLToPath(new URL('./worker-child.ts', import.meta.url));
const COORDINATOR_CHILD = fileURLToPath(new URL('./coordinator-child.ts', import.meta.url));

/** A worker child process and the events it printed. */
export interface WorkerProcess {
  child: ChildProcess;
  events: (QueueWorkerEvent & { pid: number })[];
  ready: Promise<void>;
  exited: Promise<number | null>;
  stderr: () => string;
  /** Calls `fn` on every event from now on (and on those already seen). */
  onEvent(fn: (event: QueueWorkerEvent & { pid: number }) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

/** Spawns `worker-child.ts` with the given options. */
export function spawnWorker(
  options: Omit<QueueWorkerOptions, 'onTaskEvent' | 'onWarning'>,
): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WORKER_CHILD, JSON.stringify(options)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const events: WorkerProcess['events'] = [];
  const listeners: ((event: WorkerProcess['events'][number]) => void)[] = [];
  let stderr = '';
  let buffer = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line === 'ready') markReady();
      else if (line.startsWith('{')) {
        const event = JSON.parse(line) as WorkerProcess['events'][number];
        events.push(event);
        for (const fn of listeners) fn(event);
      }
      newline = buffer.indexOf('\n');
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    events,
    ready: Promise.race([
      ready,
      exited.then((code) => {
        throw new Error(`worker exited (code ${code}) before it was ready: ${stderr}`);
      }),
    ]),
    exited,
    stderr: () => stderr,
    onEvent(fn) {
      listeners.push(fn);
      for (const event of events) fn(event);
    },
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** A coordinator child process (`coordinator-child.ts`). */
export interface CoordinatorProcess {
  child: ChildProcess;
  /** Keys reported done or reused so far. */
  finished: string[];
  exited: Promise<{ code: number | null; summary?: Record<string, unknown>; stderr: string }>;
  onFinished(fn: (count: number) => void): void;
}

/**
 * Spawns `coordinator-child.ts OUT_DIR URL QUEUE PLAN`, where the plan is the synthetic queue
 * sweep of a seed (a number) or a sweep file over the real stages (a path).
 */
export function spawnCoordinator(
  outDir: string,
  url: string,
  queueName: string,
  seedOrSweepFile: number | string,
): CoordinatorProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', COORDINATOR_CHILD, outDir, url, queueName, String(seedOrSweepFile)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const finished: string[] = [];
  const listeners: ((count: number) => void)[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stdout += text;
    for (const line of text.split('\n')) {
      const match = /^(done|reused) ([0-9a-f]{64})$/.exec(line);
      if (match) {
        finished.push(match[2]);
        for (const fn of listeners) fn(finished.length);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{
    code: number | null;
    summary?: Record<string, unknown>;
    stderr: string;
  }>((resolve) =>
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      resolve({ code, summary: line ? JSON.parse(line) : undefined, stderr });
    }),
  );
  return {
    child,
    finished,
    exited,
    onFinished(fn) {
      listeners.push(fn);
    },
  };
}

export { artefactFiles } from '../../test-utils/sweep-snapshot.js';

/** Stops every worker with SIGTERM and returns the signal each process ended by. */
export async function stopWorkers(workers: WorkerProcess[]): Promise<(NodeJS.Signals | null)[]> {
  return Promise.all(
    workers.map(async (w) => {
      w.kill('SIGTERM');
      await w.exited;
      return w.child.signalCode;
    }),
  );
}

/**
 * Checks that each killed task's job stalled at least once, came back and completed, that the
 * coordinator warned 'task-stalled' for it, and that the queue holds `total` completed jobs and
 * nothing failed, active or waiting.
 */
export async function expectVictimsRecovered(
  connection: { url: string; queueName: string },
  victims: { kind: string; key: string }[],
  total: number,
  warnings: { code: string; message: string }[],
): Promise<void> {
  const queue = new Queue(connection.queueName, {
    connection: redisOptions({ url: connection.url }) as never,
  });
  try {
    for (const victim of victims) {
      const job = await queue.getJob(victim.key);
      expect(await job!.getState(), victim.kind).toBe('completed');
      expect(job!.stalledCounter, victim.kind).toBeGreaterThanOrEqual(1);
    }
    expect(await queue.getJobCounts('completed', 'failed', 'active', 'wait')).toEqual({
      completed: total,
      failed: 0,
      active: 0,
      wait: 0,
    });
  } finally {
    await queue.close();
  }
  for (const victim of victims) {
    const warned = warnings.some(
      (w) => w.code === 'task-stalled' && w.message.includes(victim.key.slice(0, 12)),
    );
    expect(warned, victim.kind).toBe(true);
  }
}
