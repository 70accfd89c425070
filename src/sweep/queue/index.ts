/**
 * The sweep's distributed task runner on BullMQ and Redis (issue 8): {@link BullMqRunner} and
 * {@link runQueueSweep} on the coordinator, {@link startQueueWorker} on every worker machine,
 * {@link readQueueStatus} for status displays. See docs/queue.md.
 */
export { BullMqRunner, type BullMqRunnerOptions } from './bullmq-runner.js';
export {
  checkRedis,
  DEFAULT_PREFIX,
  DEFAULT_QUEUE_NAME,
  type QueueConnectionOptions,
  redactUrl,
} from './connection.js';
export {
  type CodeVersion,
  codeVersionOf,
  describeCodeVersion,
  type JobData,
  type JobResult,
  parseJobData,
} from './payload.js';
export { type QueueJobInfo, type QueueStatusReport, readQueueStatus } from './queue-status.js';
export {
  checkWorkdir,
  type QueueWorkerEvent,
  type QueueWorkerHandle,
  type QueueWorkerOptions,
  startQueueWorker,
} from './queue-worker.js';
export {
  createQueueRunnerForPlan,
  type RunQueueSweepOptions,
  runQueueSweep,
} from './run-queue-sweep.js';
export { DEFAULT_QUEUE_SETTINGS, type QueueSettings } from './settings.js';
