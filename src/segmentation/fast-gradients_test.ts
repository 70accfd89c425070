import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { initBackend } from './engine.js';
import { registerFastGradients } from './fast-gradients.js';

function random(rng: Rng, shape: number[], offset = 0): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => offset + rng.normal()),
    shape,
  );
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    ref = Math.max(ref, Math.abs(b[i]));
  }
  return diff / ref;
}

describe('FusedBatchNorm gradient', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    registerFastGradients();
  });

  it('matches autodiff of batch normalisation written with primitive ops (training mode)', async () => {
    const rng = new Rng(11);
    const x = random(rng, [3, 5, 4, 6], 2);
    const gamma = random(rng, [6], 1);
    const beta = random(rng, [6]);
    const weight = random(rng, [3, 5, 4, 6]);
    const eps = 1e-3;
    const fused = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      return tf.batchNorm(a, mean, variance, b, g, eps).mul(weight).sum();
    };
    const plain = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const mean = tf.mean(a, [0, 1, 2]);
      const variance = tf.mean(tf.square(tf.sub(a, mean)), [0, 1, 2]);
      const y = tf.add(tf.mul(tf.mul(tf.sub(a, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
      return y.mul(weight).sum();
    };
    const got = tf.grads(fused)([x, gamma, beta]);
    const want = tf.grads(plain)([x, gamma, beta]);
    for (let i = 0; i < 3; i++) {
      const error = relativeError(
        (await got[i].data()) as Float32Array,
        (await want[i].data()) as Float32Array,
      );
      expect(error).toBeLessThan(1e-4);
    }
    tf.dispose([x, gamma, beta, weight, ...got, ...want]);
  });
});

describe('Relu gradient', () => {
  it('is dy where x > 0 and 0 elsewhere', async () => {
    registerFastGradients();
    const x = tf.tensor1d([-2, -0.5, 0.5, 3]);
    const dy = tf.tensor1d([1, 2, 3, 4]);
    const dx = tf.grad((a: tf.Tensor) => tf.relu(a).mul(dy).sum())(x);
    expect(Array.from(await dx.data())).toEqual([0, 0, 3, 4]);
    tf.dispose([x, dy, dx]);
  });
});
