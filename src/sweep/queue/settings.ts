/**
 * Lock, stall and retry settings of the sweep queue (see docs/queue.md for how they interact).
 * Workers take the lock and stall settings; the coordinator sets attempts and back-off on each
 * job it adds.
 */
import { DEFAULT_PREFIX, DEFAULT_QUEUE_NAME, type QueueConnectionOptions } from './connection.js';

/** Settings of the queue; all times in ms except `keepFinishedJobsS`. */
export interface QueueSettings {
  /**
   * How long a worker's lock on a running job lasts, ms. The worker renews it every half of
   * this while the task runs (task code runs on threads, so a busy task does not block
   * renewal); a worker that dies stops renewing, and the job is stalled once it expires.
   */
  lockDurationMs: number;
  /** How often each worker looks for stalled jobs (expired locks), ms. */
  stalledIntervalMs: number;
  /**
   * How many times a job may stall (its worker lost) and be put back in the queue; one more
   * stall fails it with "job stalled more than allowable limit".
   */
  maxStalledCount: number;
  /** Attempts per task when the task itself throws (worker alive), ≥ 1. */
  attempts: number;
  /** First retry delay after a task error, ms; doubles with every further attempt. */
  backoffMs: number;
  /** How long finished jobs (and their results) stay in Redis, s. */
  keepFinishedJobsS: number;
}

/** Production defaults. */
export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 2,
  attempts: 3,
  backoffMs: 5_000,
  keepFinishedJobsS: 7 * 24 * 3600,
};

/** Redis key where a coordinator publishes its code version and sweep (JSON). */
export function metaKey(options: Pick<QueueConnectionOptions, 'queueName' | 'prefix'>): string {
  return `${options.prefix ?? DEFAULT_PREFIX}:${options.queueName ?? DEFAULT_QUEUE_NAME}:hrtem-coordinator`;
}

/**
 * File in the sweep's output folder naming the sweep and queue it belongs to, written by the
 * coordinator; a worker checks each job against the copy in its workdir.
 */
export const QUEUE_SWEEP_FILE = 'queue-sweep.json';
