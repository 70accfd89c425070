import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { DatasetReader } from '../dataset/index.js';
import { writeDatasetFixture } from '../test-utils/dataset-fixture.js';
import { assembleBatch } from './data.js';
import { datasetSource, normalisationOf } from './dataset-source.js';
import { initBackend } from './engine.js';
import { syntheticDiscs } from './synthetic.js';
import { evaluateModel, trainModel } from './train.js';
import { createUNet } from './unet.js';

const SIZE = 16;
let dir: string;
const train = syntheticDiscs(7, SIZE, new Rng(3));
const val = syntheticDiscs(3, SIZE, new Rng(4));

beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'hrtem-dataset-source-'));
  const split = (d: typeof train) => ({ images: d.images, masks: d.masks!, n: d.shape[0] });
  // shardSize 3: the 7 training images span three shards.
  writeDatasetFixture(
    join(dir, 'ds'),
    { train: split(train), val: split(val) },
    { h: SIZE, w: SIZE, shardSize: 3 },
  );
  const raw = { images: train.images.map((v) => 50 + 10 * v), masks: train.masks!, n: 7 };
  writeDatasetFixture(
    join(dir, 'raw'),
    { train: raw },
    {
      h: SIZE,
      w: SIZE,
      shardSize: 4,
      standardized: false,
    },
  );
  const bad = { images: train.images, masks: train.masks!.map((v, i) => (i === 5 ? 2 : v)), n: 7 };
  writeDatasetFixture(join(dir, 'bad'), { train: bad }, { h: SIZE, w: SIZE, shardSize: 4 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('datasetSource', () => {
  it('reads images across shards as the in-memory data holds them', () => {
    const source = datasetSource(DatasetReader.open(join(dir, 'ds')), 'train', 'ds');
    expect(source.shape).toEqual([7, SIZE, SIZE]);
    const indices = [6, 0, 3, 5];
    const streamed = assembleBatch(source, indices, new Rng(9));
    const inMemory = assembleBatch(train, indices, new Rng(9));
    expect(streamed.images).toEqual(inMemory.images);
    expect(streamed.masks).toEqual(inMemory.masks);
  });

  it('standardises images of a dataset stored unstandardised and says so', () => {
    const reader = DatasetReader.open(join(dir, 'raw'));
    expect(normalisationOf(reader)).toEqual({
      method: 'per-image-standardize',
      appliedBy: 'reader',
    });
    const image = new Float32Array(SIZE * SIZE);
    datasetSource(reader, 'train', 'raw').read(2, image, new Uint8Array(SIZE * SIZE));
    const mean = image.reduce((s, v) => s + v, 0) / image.length;
    const variance = image.reduce((s, v) => s + (v - mean) ** 2, 0) / image.length;
    expect(mean).toBeCloseTo(0, 4);
    expect(variance).toBeCloseTo(1, 4);
  });

  it('refuses an empty split and a mask value other than 0/1, naming the image', () => {
    expect(() => datasetSource(DatasetReader.open(join(dir, 'ds')), 'test', 'ds')).toThrow(
      new InputError('ds: split "test" holds no images; choose another split'),
    );
    const source = datasetSource(DatasetReader.open(join(dir, 'bad')), 'train', 'bad');
    const pixels = SIZE * SIZE;
    expect(() => source.read(0, new Float32Array(pixels), new Uint8Array(pixels))).toThrow(
      'bad: train image 0: mask values must be 0 or 1, got 2',
    );
  });
});

describe('trainModel / evaluateModel on a streamed source', () => {
  it('trains to the same weights and scores the same metrics as in memory', async () => {
    const reader = DatasetReader.open(join(dir, 'ds'));
    const config = { depth: 2, baseFilters: 4, seed: 5 };
    const options = { epochs: 1, batchSize: 3, seed: 2 };
    const a = createUNet(config);
    const b = createUNet(config);
    const streamedVal = { val: datasetSource(reader, 'val', 'ds') };
    const history = await trainModel(a, datasetSource(reader, 'train', 'ds'), {
      ...options,
      validation: streamedVal,
    });
    await trainModel(b, train, { ...options, validation: { val } });
    const wa = a.model.getWeights().map((w) => w.dataSync());
    const wb = b.model.getWeights().map((w) => w.dataSync());
    expect(wa).toEqual(wb);
    expect(history.epochs[0].steps).toBe(3);

    const tensors = tf.memory().numTensors;
    const streamed = await evaluateModel(a, streamedVal.val, { batchSize: 2 });
    const whole = await evaluateModel(a, val);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(streamed.perImageConfusion).toEqual(whole.perImageConfusion);
    expect(streamed.pooled.f1).toBe(whole.pooled.f1);
    expect(streamed.pooled.loss).toBeCloseTo(whole.pooled.loss, 6);
    expect(streamed.meanPerImage.iou).toBeCloseTo(whole.meanPerImage.iou, 12);
    a.model.dispose();
    b.model.dispose();
  });
});
