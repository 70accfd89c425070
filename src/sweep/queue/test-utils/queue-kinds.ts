/**
 * Synthetic task kinds for the queue tests, shaped like a sweep's stages: `syn-image` (a source,
 * 0.3–0.6 s), `syn-train` (reads images, 0.7–1 s) and `syn-eval` (reads a model and an image).
 * Outputs are deterministic bytes derived from params, inputs and the task seed, written in two
 * halves around the sleep so a kill mid-task leaves a half-written temporary folder.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../../core/rng.js';
import type { TaskSpec } from '../../plan.js';
import { registerTaskKind } from '../../task-kind.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Absolute path of this module, for `registryModules`. */
export const QUEUE_KINDS_MODULE = new URL(import.meta.url).pathname;

function writeHalves(dir: string, data: Float64Array): void {
  const bytes = new Uint8Array(data.buffer);
  writeFileSync(join(dir, 'part-a.bin'), bytes.subarray(0, bytes.length / 2));
  writeFileSync(join(dir, 'part-b.bin'), bytes.subarray(bytes.length / 2));
}

function readSeries(dir: string): Float64Array {
  const bytes = Buffer.concat([
    readFileSync(join(dir, 'part-a.bin')),
    readFileSync(join(dir, 'part-b.bin')),
  ]);
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

registerTaskKind<{ seed: number; n: number; delayMs: number }, { sum: number }>({
  kind: 'syn-image',
  version: '1',
  async run(params, _inputs, ctx) {
    const rng = new Rng(params.seed);
    const data = new Float64Array(params.n);
    for (let i = 0; i < data.length; i++) data[i] = rng.normal();
    writeFileSync(join(ctx.outDir, 'part-a.bin'), new Uint8Array(data.buffer, 0, 4 * params.n));
    await sleep(params.delayMs);
    writeFileSync(join(ctx.outDir, 'part-b.bin'), new Uint8Array(data.buffer, 4 * params.n));
    return { sum: data.reduce((a, b) => a + b, 0) };
  },
});

registerTaskKind<{ rate: number; delayMs: number }, { loss: number }>({
  kind: 'syn-train',
  version: '1',
  async run(params, inputs, ctx) {
    const series = inputs.map((input) => readSeries(input.dir));
    const n = Math.min(...series.map((s) => s.length));
    const weights = new Float64Array(n);
    for (const s of series) for (let i = 0; i < n; i++) weights[i] += params.rate * s[i];
    for (let i = 0; i < n; i++) weights[i] += 1e-3 * ctx.rng.normal();
    await sleep(params.delayMs / 2);
    writeFileSync(join(ctx.outDir, 'part-a.bin'), new Uint8Array(weights.buffer, 0, 4 * n));
    await sleep(params.delayMs / 2);
    writeFileSync(join(ctx.outDir, 'part-b.bin'), new Uint8Array(weights.buffer, 4 * n));
    return { loss: weights.reduce((a, b) => a + b * b, 0) / n };
  },
});

registerTaskKind<{ delayMs: number }, { score: number }>({
  kind: 'syn-eval',
  version: '1',
  async run(params, inputs, ctx) {
    const [model, image] = inputs.map((input) => readSeries(input.dir));
    const n = Math.min(model.length, image.length);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = model[i] * image[i];
    await sleep(params.delayMs);
    writeHalves(ctx.outDir, out);
    return { score: out.reduce((a, b) => a + b, 0) / n };
  },
});

/** A task that finishes at once; for the overhead benchmark. */
registerTaskKind<{ i: number }, { i: number }>({
  kind: 'syn-trivial',
  version: '1',
  async run(params) {
    return { i: params.i };
  },
});

/**
 * A 10-task sweep: 4 images, 3 trainings on 2 images each, 3 evaluations of a model on an
 * image; delays drawn from `seed`.
 */
export function queuePlan(seed: number): TaskSpec[] {
  const rng = new Rng(seed);
  const specs: TaskSpec[] = [];
  for (let i = 0; i < 4; i++) {
    specs.push({
      id: `image/${i}`,
      kind: 'syn-image',
      params: { seed: 500 + i, n: 2048, delayMs: Math.round(300 + 300 * rng.random()) },
    });
  }
  for (let i = 0; i < 3; i++) {
    specs.push({
      id: `train/${i}`,
      kind: 'syn-train',
      params: { rate: 0.1 * (i + 1), delayMs: Math.round(700 + 300 * rng.random()) },
      deps: [`image/${i}`, `image/${i + 1}`],
    });
  }
  for (let i = 0; i < 3; i++) {
    specs.push({
      id: `eval/${i}`,
      kind: 'syn-eval',
      params: { delayMs: 300 },
      deps: [`train/${i}`, `image/${(i + 2) % 4}`],
    });
  }
  return specs;
}
