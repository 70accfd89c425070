/**
 * What the queue holds right now, for `hrtem status DIR --queue URL`: jobs waiting, running (and
 * on which worker), done and failed, the connected workers and the coordinator's record.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  bullConnection,
  checkRedis,
  DEFAULT_PREFIX,
  DEFAULT_QUEUE_NAME,
  type QueueConnectionOptions,
  redisOptions,
} from './connection.js';
import { metaKey } from './settings.js';

/** A job as status shows it. */
export interface QueueJobInfo {
  /** Task key (job id). */
  key: string;
  kind: string;
  /** Worker that runs or ran it (BullMQ's processedBy), if any. */
  worker?: string;
  /** Unix time the current attempt started, ms. */
  startedAt?: number;
  /** Attempts made so far (failed ones) and times the job stalled. */
  attemptsMade: number;
  stalledCount: number;
  /** Last error (failed jobs). */
  error?: string;
}

/** Snapshot of a sweep queue. */
export interface QueueStatusReport {
  queueName: string;
  counts: { waiting: number; running: number; delayed: number; done: number; failed: number };
  running: QueueJobInfo[];
  failed: QueueJobInfo[];
  /** Names of the connected workers. */
  workers: string[];
  /** What the coordinator published at start, if one is running (or was killed). */
  coordinator?: { sweep?: string; host?: string; pid?: number; startedAt?: string };
}

/**
 * Reads the queue's state.
 *
 * @param options where the queue lives
 * @param limit most running and failed jobs to list (default 50)
 * @throws InputError when Redis is unreachable or refuses the password
 */
export async function readQueueStatus(
  options: QueueConnectionOptions,
  limit = 50,
): Promise<QueueStatusReport> {
  await checkRedis(options);
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  const queue = new Queue(queueName, {
    connection: bullConnection(options),
    prefix: options.prefix ?? DEFAULT_PREFIX,
  });
  const client = new Redis({ ...redisOptions(options), maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    const raw = await queue.getJobCounts(
      'waiting',
      'prioritized',
      'active',
      'delayed',
      'completed',
      'failed',
    );
    const info = (job: {
      id?: string;
      name: string;
      processedBy?: string;
      processedOn?: number;
      attemptsMade: number;
      stalledCounter: number;
      failedReason?: string;
    }): QueueJobInfo => ({
      key: String(job.id),
      kind: job.name,
      worker: job.processedBy,
      startedAt: job.processedOn,
      attemptsMade: job.attemptsMade,
      stalledCount: job.stalledCounter ?? 0,
      error: job.failedReason || undefined,
    });
    const running = (await queue.getActive(0, limit - 1)).map(info);
    const failed = (await queue.getFailed(0, limit - 1)).map(info);
    // BullMQ names a worker's connection `<queue client name>:w:<worker name>`.
    const workers = (await queue.getWorkers())
      .map((w) => {
        const raw = String(w.rawname ?? '');
        const at = raw.indexOf(':w:');
        return at >= 0 ? raw.slice(at + 3) : '(unnamed)';
      })
      .sort();
    const meta = await client.get(metaKey(options));
    return {
      queueName,
      counts: {
        waiting: (raw.waiting ?? 0) + (raw.prioritized ?? 0),
        running: raw.active ?? 0,
        delayed: raw.delayed ?? 0,
        done: raw.completed ?? 0,
        failed: raw.failed ?? 0,
      },
      running,
      failed,
      workers,
      coordinator: meta ? (JSON.parse(meta) as QueueStatusReport['coordinator']) : undefined,
    };
  } finally {
    client.disconnect();
    await queue.close();
  }
}
