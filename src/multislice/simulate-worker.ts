/**
 * Worker thread of `hrtem simulate`: receives scene jobs, simulates and writes them, and reports
 * progress (slices) and warnings to the parent.
 */
import { parentPort } from 'node:worker_threads';
import { type SceneJob, simulateScene, writeSceneFolder } from './scene.js';
import { readExtendedXyz } from './xyz.js';

/** A message from the parent. */
export interface WorkerTask {
  index: number;
  scenePath: string;
  sceneName: string;
  outDir: string;
  hash: string;
  job: SceneJob;
}

/** A message to the parent. */
export type WorkerMessage =
  | { type: 'progress'; index: number; done: number; total: number }
  | { type: 'warning'; index: number; code: string; message: string }
  | { type: 'done'; index: number }
  | { type: 'error'; index: number; message: string };

const port = parentPort;
if (port) {
  port.on('message', async (task: WorkerTask) => {
    const post = (m: WorkerMessage) => port.postMessage(m);
    try {
      const atoms = readExtendedXyz(task.scenePath);
      const set = await simulateScene(atoms, task.job, {
        onProgress: (p) =>
          post({ type: 'progress', index: task.index, done: p.done, total: p.total }),
        onWarning: (w) => post({ type: 'warning', index: task.index, ...w }),
      });
      writeSceneFolder(task.outDir, set, task.hash, task.sceneName);
      post({ type: 'done', index: task.index });
    } catch (error) {
      post({
        type: 'error',
        index: task.index,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
}
