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
