import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { initBackend } from './engine.js';
import { loadModel } from './model-io.js';
import { predict } from './predict.js';
import { syntheticDiscs } from './synthetic.js';
import { evaluateModel, TrainingDivergedError, trainModel } from './train.js';
import { createUNet } from './unet.js';

const tiny = { depth: 2, baseFilters: 8, block: 'plain' as const, seed: 1 };
let dir: string;

beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'hrtem-train-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
}

describe('trainModel', () => {
  it('overfits 16 synthetic disc images to F1 > 0.95 without growing the tensor count', async () => {
    const data = syntheticDiscs(16, 32, new Rng(1));
    const unet = createUNet(tiny);
    const counts: number[] = [];
    const history = await trainModel(unet, data, {
      epochs: 40,
      batchSize: 8,
      learningRate: 1e-2,
      seed: 1,
      validation: {
        trainSubset: {
          images: data.images.subarray(0, 4096),
          masks: data.masks!.subarray(0, 4096),
          shape: [4, 32, 32],
        },
        fresh: syntheticDiscs(4, 32, new Rng(2)),
      },
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    const f1 = (await evaluateModel(unet, data)).pooled.f1;
    expect(f1).toBeGreaterThan(0.95);
    expect(history.epochs).toHaveLength(40);
    expect(Object.keys(history.epochs[0].validation)).toEqual(['trainSubset', 'fresh']);
    expect(history.epochs[39].trainLoss).toBeLessThan(history.epochs[0].trainLoss / 3);
    expect(counts[39]).toBe(counts[1]);
    unet.model.dispose();
  });

  it('gives identical weights after one step for the same seed, different for another', async () => {
    const data = syntheticDiscs(8, 32, new Rng(3));
    const run = async (seed: number) => {
      const unet = createUNet({ ...tiny, dropout: 0.2 });
      await trainModel(unet, data, { epochs: 1, batchSize: 8, seed });
      const weights = await weightsOf(unet.model);
      unet.model.dispose();
      return weights;
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    for (const [i, w] of a.entries()) expect(Array.from(b[i])).toEqual(Array.from(w));
    expect(a.some((w, i) => w.some((v, j) => v !== c[i][j]))).toBe(true);
  });

  it('stops on a NaN loss with a clear error and keeps the last good weights', async () => {
    const data = syntheticDiscs(8, 32, new Rng(4));
    const unet = createUNet(tiny);
    const checkpointDir = join(dir, 'nan');
    await trainModel(unet, data, { epochs: 1, batchSize: 4, checkpointDir });
    const saved = await loadModel(join(checkpointDir, 'last'));
    const expected = await predict(saved, data);
    const diverging = trainModel(unet, data, {
      epochs: 3,
      batchSize: 4,
      optimizer: 'sgd',
      learningRate: 3e38,
      checkpointDir,
    });
    await expect(diverging).rejects.toThrow(TrainingDivergedError);
    await expect(diverging).rejects.toThrow(/loss is NaN at epoch 1, batch \d+.*restored/);
    expect(Array.from(await predict(unet, data))).toEqual(Array.from(expected));
    const still = await loadModel(join(checkpointDir, 'last'));
    expect(Array.from(await predict(still, data))).toEqual(Array.from(expected));
    for (const m of [unet.model, saved.model, still.model]) m.dispose();
  });

  it('rejects masks that do not match the images', async () => {
    const data = syntheticDiscs(4, 32, new Rng(5));
    const unet = createUNet(tiny);
    const short = { ...data, masks: data.masks!.subarray(0, 100) };
    await expect(trainModel(unet, short)).rejects.toThrow(InputError);
    await expect(trainModel(unet, short)).rejects.toThrow(/masks do not match images/);
    const odd = syntheticDiscs(2, 30, new Rng(5));
    await expect(trainModel(unet, odd)).rejects.toThrow(/divisible by 4/);
    unet.model.dispose();
  });
});
