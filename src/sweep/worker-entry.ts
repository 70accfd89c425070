/**
 * Entry of a local-pool worker thread. It imports the registry modules named in `workerData`,
 * says `ready`, then executes each `run` message with {@link executeTask} and answers with the
 * outcome. Tasks arrive one at a time per worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { executeTask, parseTaskRequest, type TaskRequest } from './execute-task.js';
import { loadRegistryModules } from './task-kind.js';

/** Messages from the pool to a worker. */
export type ToWorker = { type: 'run'; id: number; request: TaskRequest };

/** Messages from a worker to the pool. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'progress'; id: number; stage: string; done: number; total: number }
  | { type: 'done'; id: number; result: unknown; durationMs: number }
  | { type: 'error'; id: number; message: string; stack?: string };

const port = parentPort;
if (port) {
  const post = (message: FromWorker): void => port.postMessage(message);
  const modules = (workerData as { registryModules?: string[] } | undefined)?.registryModules ?? [];
  loadRegistryModules(modules).then(
    () => {
      port.on('message', (message: ToWorker) => {
        if (message.type !== 'run') return;
        const { id, request } = message;
        Promise.resolve()
          .then(() =>
            executeTask(parseTaskRequest(request), (p) => post({ type: 'progress', id, ...p })),
          )
          .then(
            (outcome) =>
              post({ type: 'done', id, result: outcome.result, durationMs: outcome.durationMs }),
            (error: unknown) =>
              post({
                type: 'error',
                id,
                message: error instanceof Error ? error.message : String(error),
                stack: error instanceof Error ? error.stack : undefined,
              }),
          );
      });
      post({ type: 'ready' });
    },
    (error: unknown) =>
      post({ type: 'fatal', message: error instanceof Error ? error.message : String(error) }),
  );
}
