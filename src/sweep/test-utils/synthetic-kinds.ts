/**
 * Synthetic task kinds for the sweep engine's tests: they write deterministic bytes derived from
 * their parameters, their inputs' files and the task seed, and sleep a given time so kill tests
 * can interrupt them mid-task. Imported by the test files and by the worker threads (as a
 * registry module).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../core/rng.js';
import type { TaskSpec } from '../plan.js';
import { registerTaskKind } from '../task-kind.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Absolute path of this module, for `registryModules`. */
export const SYNTHETIC_KINDS_MODULE = fileURLToPath(import.meta.url);

interface SourceParams {
  seed: number;
  n: number;
  delayMs: number;
  [key: string]: number;
}

registerTaskKind<SourceParams, { sum: number }>({
  kind: 'syn-source',
  version: '1',
  async run(params, _inputs, ctx) {
    const rng = new Rng(params.seed);
    const data = new Float64Array(params.n);
    for (let i = 0; i < data.length; i++) data[i] = rng.normal();
    // Written in two halves around the sleep: a kill in between leaves a half-written temp folder.
    writeFileSync(join(ctx.outDir, 'part-a.bin'), new Uint8Array(data.buffer, 0, 4 * params.n));
    await sleep(params.delayMs);
    writeFileSync(join(ctx.outDir, 'part-b.bin'), new Uint8Array(data.buffer, 4 * params.n));
    ctx.onProgress({ stage: 'syn-source', done: 1, total: 1 });
    return { sum: data.reduce((a, b) => a + b, 0) };
  },
});

interface CombineParams {
  weight: number;
  delayMs: number;
  [key: string]: number;
}

registerTaskKind<CombineParams, { mean: number }>({
  kind: 'syn-combine',
  version: '1',
  async run(params, inputs, ctx) {
    const parts = inputs.map((input) => readSeries(input.dir));
    const n = Math.min(...parts.map((p) => p.length));
    const out = new Float64Array(n);
    for (const part of parts) for (let i = 0; i < n; i++) out[i] += params.weight * part[i];
    for (let i = 0; i < n; i++) out[i] += ctx.rng.normal() * 1e-3;
    await sleep(params.delayMs);
    writeFileSync(join(ctx.outDir, 'part-a.bin'), new Uint8Array(out.buffer, 0, 4 * n));
    writeFileSync(join(ctx.outDir, 'part-b.bin'), new Uint8Array(out.buffer, 4 * n));
    writeFileSync(join(ctx.outDir, 'inputs.txt'), `${inputs.map((i) => i.key).join('\n')}\n`);
    return { mean: out.reduce((a, b) => a + b, 0) / n };
  },
});

registerTaskKind<{ message: string }, null>({
  kind: 'syn-fail',
  version: '1',
  async run(params, _inputs, ctx) {
    writeFileSync(join(ctx.outDir, 'partial.txt'), 'never committed');
    throw new Error(params.message);
  },
});

registerTaskKind<{ counterFile: string; failTimes: number }, { attemptsNeeded: number }>({
  kind: 'syn-flaky',
  version: '1',
  async run(params, _inputs, ctx) {
    const count = existsSync(params.counterFile)
      ? Number(readFileSync(params.counterFile, 'utf8'))
      : 0;
    writeFileSync(params.counterFile, String(count + 1));
    if (count < params.failTimes)
      throw new Error(`flaky failure ${count + 1} of ${params.failTimes}`);
    writeFileSync(join(ctx.outDir, 'ok.txt'), 'ok');
    return { attemptsNeeded: count + 1 };
  },
});

registerTaskKind<{ code: number }, null>({
  kind: 'syn-exit',
  version: '1',
  async run(params) {
    // In a worker thread this ends the thread only, as an out-of-memory abort would.
    process.exit(params.code);
  },
});

registerTaskKind<{ seed: number; iterations: number }, { checksum: number }>({
  kind: 'syn-cpu',
  version: '1',
  async run(params, _inputs, ctx) {
    // CPU-bound work with a deterministic result, for scaling benchmarks.
    const rng = new Rng(params.seed);
    const data = new Float64Array(4096);
    for (let i = 0; i < data.length; i++) data[i] = rng.random();
    let checksum = 0;
    for (let it = 0; it < params.iterations; it++) {
      for (let i = 0; i < data.length; i++) {
        data[i] = Math.sin(data[i] * 3.7 + it) * 0.5 + 0.5;
        checksum += data[i];
      }
    }
    writeFileSync(join(ctx.outDir, 'data.bin'), new Uint8Array(data.buffer));
    return { checksum };
  },
});

/** Reads a series written by syn-source or syn-combine. */
export function readSeries(dir: string): Float64Array {
  const a = readFileSync(join(dir, 'part-a.bin'));
  const b = readFileSync(join(dir, 'part-b.bin'));
  const bytes = Buffer.concat([a, b]);
  return new Float64Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
}

/**
 * A 30-task DAG: 10 sources, 12 combinations of 2–3 sources, 6 combinations of those and 2 final
 * ones; delays 50–300 ms drawn from `seed`. One source is listed twice under another id (same
 * params), so the plan dedupes it.
 */
export function syntheticPlan(seed: number, delayScale = 1): TaskSpec[] {
  const rng = new Rng(seed);
  const delay = () => Math.round((50 + 250 * rng.random()) * delayScale);
  const specs: TaskSpec[] = [];
  for (let i = 0; i < 10; i++) {
    specs.push({
      id: `src/${i}`,
      kind: 'syn-source',
      params: { seed: 1000 + i, n: 4096, delayMs: delay() },
    });
  }
  const first = specs[0].params as SourceParams;
  specs.push({ id: 'src/0-again', kind: 'syn-source', params: { ...first } });
  for (let i = 0; i < 12; i++) {
    const picks = new Set<number>();
    const count = 2 + rng.int(2);
    while (picks.size < count) picks.add(rng.int(10));
    specs.push({
      id: `mix/${i}`,
      kind: 'syn-combine',
      params: { weight: 0.5 + rng.random(), delayMs: delay() },
      deps: [...picks].map((p) => `src/${p}`),
    });
  }
  for (let i = 0; i < 6; i++) {
    specs.push({
      id: `mix2/${i}`,
      kind: 'syn-combine',
      params: { weight: 1 + i, delayMs: delay() },
      deps: [`mix/${2 * i}`, `mix/${2 * i + 1}`],
    });
  }
  specs.push({
    id: 'final/0',
    kind: 'syn-combine',
    params: { weight: 1, delayMs: delay() },
    deps: ['mix2/0', 'mix2/1', 'mix2/2'],
  });
  specs.push({
    id: 'final/1',
    kind: 'syn-combine',
    params: { weight: 2, delayMs: delay() },
    deps: ['mix2/3', 'mix2/4', 'mix2/5', 'src/0-again'],
  });
  return specs;
}
