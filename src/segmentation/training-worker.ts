/**
 * Worker-thread entry of `trainInWorkers`: trains one U-Net per message on the WASM (or native)
 * backend of this thread and posts progress events and the result back.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend } from './engine.js';
import { saveModel } from './model-io.js';
import type { TrainingJob, WorkerMessage } from './parallel.js';
import { trainModel } from './train.js';
import { createUNet } from './unet.js';

const port = parentPort;
if (port) {
  port.on('message', async ({ id, job }: { id: number; job: TrainingJob }) => {
    const send = (message: WorkerMessage) => port.postMessage(message);
    try {
      const backend = await initBackend(job.backend ?? 'wasm');
      const unet = createUNet(job.config);
      const started = performance.now();
      const history = await trainModel(unet, job.data, {
        ...job.options,
        onProgress: (event) => send({ id, type: 'progress', event }),
      });
      const elapsedMs = performance.now() - started;
      if (job.saveDir) await saveModel(job.saveDir, unet, job.modelInfo ?? {});
      unet.model.dispose();
      send({ id, type: 'done', result: { history, elapsedMs, backend: backend.text } });
    } catch (error) {
      send({ id, type: 'error', message: (error as Error).message, name: (error as Error).name });
    }
  });
}
