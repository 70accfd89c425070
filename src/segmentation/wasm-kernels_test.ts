import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './engine.js';

beforeAll(async () => {
  await initBackend('wasm');
  // Silences the CPU backend's one-time "install tfjs-node" banner.
  tf.env().set('IS_TEST', true);
});

function ramp(shape: number[], start: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, (_, i) => start + i),
    shape,
  );
}

describe('WASM Concat and SplitV (float32)', () => {
  for (const axis of [0, 1, 3, -1]) {
    it(`concatenate and split along axis ${axis} exactly like the CPU backend`, async () => {
      const run = async (backend: string) => {
        await tf.setBackend(backend);
        const a = ramp([2, 3, 4, 2], 0);
        const b = ramp(
          [2, 3, 4, 2].map((d, i) => (i === (axis + 4) % 4 ? 3 : d)),
          1000,
        );
        const c = tf.concat([a, b], axis);
        const [p, q] = tf.split(c, [a.shape[(axis + 4) % 4], 3], axis);
        const out = [await c.data(), await p.data(), await q.data(), c.shape, q.shape];
        tf.dispose([a, b, c, p, q]);
        return out;
      };
      const cpu = await run('cpu');
      const wasm = await run('wasm');
      expect(wasm.map((v) => Array.from(v as ArrayLike<number>))).toEqual(
        cpu.map((v) => Array.from(v as ArrayLike<number>)),
      );
    });
  }

  it('falls back to the stock kernel for int32', async () => {
    await tf.setBackend('wasm');
    const c = tf.concat([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3], 'int32')]);
    expect(Array.from(await c.data())).toEqual([1, 2, 3]);
  });
});

describe('WASM Identity', () => {
  it('clones share data safely: the clone survives disposing the original', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1, 2, 3]);
    const c = tf.add(b, 1);
    expect(Array.from(await c.data())).toEqual([2, 3, 4]);
    expect(Array.from(await b.data())).toEqual([1, 2, 3]);
    tf.dispose([b, c]);
  });
});

describe('WASM MaxPoolGrad (float32)', () => {
  const cases: [number, number, 'valid' | 'same'][] = [
    [2, 2, 'valid'],
    [2, 2, 'same'],
    [3, 2, 'same'],
    [3, 1, 'valid'],
    [2, 1, 'same'],
  ];
  for (const [filter, stride, pad] of cases) {
    it(`matches the CPU backend with ties (${filter}×${filter}, stride ${stride}, ${pad})`, async () => {
      const n = 2 * 9 * 7 * 3;
      // Half the values are the zeros of a ReLU, so many windows hold tied maxima.
      const values = Float32Array.from({ length: n }, (_, i) => Math.max(0, Math.sin(i * 1.7) * 3));
      values[5] = Number.NaN;
      const run = async (backend: string) => {
        await tf.setBackend(backend);
        const x = tf.tensor4d(values, [2, 9, 7, 3]);
        const pooled = tf.maxPool(x, filter, stride, pad);
        const w = tf.tensor(
          Float32Array.from({ length: pooled.size }, (_, i) => Math.cos(i * 0.37)),
          pooled.shape,
        );
        const grad = tf.grad((t: tf.Tensor) =>
          tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, filter, stride, pad), w)),
        );
        const g = grad(x);
        const out = Array.from(await g.data());
        tf.dispose([x, pooled, w, g]);
        return out;
      };
      const cpu = await run('cpu');
      const wasm = await run('wasm');
      // Overlapping windows add several outputs into one input: the sums may differ in the last
      // bit from the CPU backend's order of addition. Non-overlapping windows match exactly.
      const tolerance = filter > stride ? 1e-6 : 0;
      const worst = Math.max(
        ...cpu.map((v, i) => Math.abs(wasm[i] - v) / Math.max(1, Math.abs(v))),
      );
      expect(worst).toBeLessThanOrEqual(tolerance);
      expect(wasm.map((v) => v !== 0)).toEqual(cpu.map((v) => v !== 0));
      expect(cpu.some((v) => v !== 0)).toBe(true);
    });
  }
});
