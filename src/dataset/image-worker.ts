/**
 * Worker-thread entry of the dataset build: receives sample jobs, forms their images and sends
 * them back (buffers transferred, not copied). Errors are sent back with their class name.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Rng } from '../core/rng.js';
import type { WorkerInit } from './runner.js';
import { runJob, type SampleJob, StructureLoader } from './samples.js';

const init = workerData as WorkerInit;
const loader = new StructureLoader(init.domain);
const root = new Rng(init.seed);

parentPort?.on('message', async (message: { id: number; job: SampleJob }) => {
  try {
    const result = await runJob(loader, root, init.domain, message.job);
    const transfer = result.samples.flatMap((s) => [s.image.buffer, s.mask.buffer]);
    parentPort?.postMessage({ id: message.id, result }, transfer as ArrayBuffer[]);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    parentPort?.postMessage({ id: message.id, error: { name: e.name, message: e.message } });
  }
});
