import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { BatchNorm } from './batch-norm-layer.js';
import { initBackend } from './engine.js';

function random(rng: Rng, shape: number[], offset = 0): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => offset + rng.normal()),
    shape,
  );
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    ref = Math.max(ref, Math.abs(b[i]));
  }
  return diff / ref;
}

describe('BatchNorm layer', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('matches Keras-style BatchNormalization in training: output, gradients, moving stats', async () => {
    const rng = new Rng(5);
    const x = random(rng, [3, 5, 4, 6], 2);
    const weight = random(rng, [3, 5, 4, 6]);
    const gamma = random(rng, [6], 1);
    const beta = random(rng, [6]);
    const ours = new BatchNorm({ momentum: 0.9 });
    const keras = tf.layers.batchNormalization({ momentum: 0.9 });
    for (const layer of [ours, keras]) {
      layer.apply(tf.zeros([1, 5, 4, 6]));
      layer.setWeights([gamma, beta, tf.zeros([6]), tf.ones([6])]);
    }
    const results = [];
    for (const layer of [ours, keras]) {
      const f = (a: tf.Tensor) =>
        (layer.apply(a, { training: true }) as tf.Tensor).mul(weight).sum();
      const { value, grads } = tf.variableGrads(
        () => f(x) as tf.Scalar,
        layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
      );
      const dx = tf.grad(f)(x);
      const moving = await Promise.all(
        layer
          .getWeights()
          .slice(2)
          .map((w) => w.data()),
      );
      results.push({
        value: await value.data(),
        dx: await dx.data(),
        dGamma: await Object.values(grads)[0].data(),
        dBeta: await Object.values(grads)[1].data(),
        moving,
      });
    }
    const [a, b] = results;
    expect(relativeError(a.value, b.value)).toBeLessThan(1e-5);
    expect(relativeError(a.dx, b.dx)).toBeLessThan(1e-4);
    expect(relativeError(a.dGamma, b.dGamma)).toBeLessThan(1e-4);
    expect(relativeError(a.dBeta, b.dBeta)).toBeLessThan(1e-4);
    expect(relativeError(a.moving[0], b.moving[0])).toBeLessThan(1e-5);
    expect(relativeError(a.moving[1], b.moving[1])).toBeLessThan(1e-5);
  });

  it('uses the moving statistics outside training and serialises its options', () => {
    const layer = new BatchNorm({ momentum: 0.5, epsilon: 0.01, name: 'bn_test' });
    const y = layer.apply(tf.ones([1, 2, 2, 3])) as tf.Tensor;
    expect(Array.from(y.dataSync())[0]).toBeCloseTo(1 / Math.sqrt(1.01), 5);
    expect(layer.getConfig()).toMatchObject({ momentum: 0.5, epsilon: 0.01, name: 'bn_test' });
  });
});
