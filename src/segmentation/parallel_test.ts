import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { trainInWorkers } from './parallel.js';
import { syntheticDiscs } from './synthetic.js';

describe('trainInWorkers', () => {
  it('trains independent jobs in two worker threads and reports progress per job', async () => {
    const data = syntheticDiscs(4, 16, new Rng(2));
    const job = (seed: number) => ({
      config: { depth: 1, baseFilters: 2, seed },
      data,
      options: { epochs: 2, batchSize: 2, seed },
    });
    const seen = new Set<number>();
    const results = await trainInWorkers([job(1), job(2), job(3)], {
      workers: 2,
      onProgress: (index) => seen.add(index),
    });
    expect(results).toHaveLength(3);
    for (const r of results) {
      expect(r.history.epochs).toHaveLength(2);
      expect(r.backend).toContain('wasm');
    }
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it('reports a failing job with its message', async () => {
    const data = syntheticDiscs(2, 16, new Rng(2));
    const bad = { ...data, masks: data.masks!.subarray(0, 10) };
    await expect(
      trainInWorkers([{ config: { depth: 1, baseFilters: 2 }, data: bad, options: {} }]),
    ).rejects.toThrow(
      /training job 0 failed: InputError: training data: masks do not match images/,
    );
  });
});
