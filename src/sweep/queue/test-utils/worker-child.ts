/**
 * A queue worker process for the tests: `node --import tsx worker-child.ts OPTIONS_JSON`, where
 * the JSON holds {@link QueueWorkerOptions} without callbacks. Prints `ready`, then one JSON line
 * per task event; exits when the worker stops.
 */
import { type QueueWorkerOptions, startQueueWorker } from '../queue-worker.js';

const options = JSON.parse(process.argv[2]) as QueueWorkerOptions;
const worker = await startQueueWorker({
  ...options,
  onTaskEvent: (event) =>
    process.stdout.write(`${JSON.stringify({ pid: process.pid, ...event })}\n`),
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => void worker.close());
try {
  await worker.stopped;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 3;
}
