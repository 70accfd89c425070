/**
 * Run-parallel training: independent trainings (e.g. the networks of a sweep), one per worker
 * thread, each with its own single-threaded TensorFlow.js backend. Data-parallel training of one
 * network is not offered: on the WASM backend one step of a small U-Net is too short to amortise
 * exchanging gradients between threads.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SegmentationData } from './data.js';
import type { BackendName } from './engine.js';
import type { ModelInfo } from './model-io.js';
import type { TrainingHistory, TrainingOptions, TrainingProgress } from './train.js';
import type { UNetConfig } from './unet.js';

/** One training to run in a worker. Everything must be structured-cloneable. */
export interface TrainingJob {
  config: Partial<UNetConfig>;
  data: SegmentationData;
  /** Training options without callbacks (they cannot cross threads). */
  options: Omit<TrainingOptions, 'onProgress' | 'onEpoch'>;
  /** Folder to save the trained model to. */
  saveDir?: string;
  modelInfo?: ModelInfo;
  backend?: BackendName;
}

/** Result of one job. */
export interface TrainingJobResult {
  history: TrainingHistory;
  /** Wall-clock time of `trainModel` in the worker, ms. */
  elapsedMs: number;
  /** The worker's backend description. */
  backend: string;
}

/** Messages from a worker (internal). */
export type WorkerMessage =
  | { id: number; type: 'progress'; event: TrainingProgress }
  | { id: number; type: 'done'; result: TrainingJobResult }
  | { id: number; type: 'error'; message: string; name: string };

function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./training-worker.js', import.meta.url));
  // Running from the TypeScript sources (tests, tsx): load the worker through tsx's API, since
  // worker threads do not inherit the parent's module loader hooks.
  const entry = new URL('./training-worker.ts', import.meta.url).href;
  const code = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}));`;
  return new Worker(code, { eval: true });
}

/**
 * Trains each job in a pool of worker threads (one training per thread at a time).
 * @param jobs trainings to run
 * @param options.workers threads, integer ≥ 1 (default: one per core, at most the job count)
 * @param options.onProgress receives each job's training progress with its index
 * @returns results in job order
 * @throws Error with the worker's message if any training fails (others are stopped)
 */
export async function trainInWorkers(
  jobs: TrainingJob[],
  options: {
    workers?: number;
    onProgress?: (job: number, event: TrainingProgress) => void;
  } = {},
): Promise<TrainingJobResult[]> {
  const count = Math.max(1, Math.min(options.workers ?? availableParallelism(), jobs.length));
  if (!Number.isInteger(count))
    throw new RangeError(`workers must be an integer ≥ 1, got ${options.workers}`);
  const results: TrainingJobResult[] = new Array(jobs.length);
  let next = 0;
  const workers = Array.from({ length: count }, startWorker);
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const start = () => {
              if (next >= jobs.length) return resolve();
              const id = next++;
              worker.postMessage({ id, job: jobs[id] });
            };
            worker.on('message', (message: WorkerMessage) => {
              if (message.type === 'progress') options.onProgress?.(message.id, message.event);
              else if (message.type === 'error') {
                reject(
                  new Error(
                    `training job ${message.id} failed: ${message.name}: ${message.message}`,
                  ),
                );
              } else {
                results[message.id] = message.result;
                start();
              }
            });
            worker.on('error', reject);
            start();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
