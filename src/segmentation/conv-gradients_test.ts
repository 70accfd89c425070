import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { initBackend } from './engine.js';

function randomArray(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

interface Case {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid';
}

/** dx and dW of sum(conv2d(x, W) · g) on the named backend. */
async function convGrads(backend: string, c: Case, seed: number): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const rng = new Rng(seed);
  const x = tf.tensor4d(randomArray(rng, c.n * c.h * c.w * c.cin), [c.n, c.h, c.w, c.cin]);
  const w = tf.tensor4d(randomArray(rng, c.k * c.k * c.cin * c.cout), [c.k, c.k, c.cin, c.cout]);
  const outShape = tf.tidy(() => tf.conv2d(x, w, c.stride, c.pad).shape);
  const g = tf.tensor(
    randomArray(
      rng,
      outShape.reduce((a, b) => a * b, 1),
    ),
    outShape,
  );
  const f = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf
      .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad)
      .mul(g)
      .sum(),
  );
  const [dx, dw] = f([x, w]);
  const out = [(await dx.data()) as Float32Array, (await dw.data()) as Float32Array];
  tf.dispose([x, w, g, dx, dw]);
  return out;
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < b.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  return maxDiff / maxRef;
}

describe('WASM convolution gradient kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    // Silences the CPU backend's one-time "install tfjs-node" banner.
    tf.env().set('IS_TEST', true);
  });

  const cases: Case[] = [];
  for (const pad of ['same', 'valid'] as const) {
    for (const stride of [1, 2]) {
      cases.push({ n: 2, h: 9, w: 8, cin: 3, cout: 4, k: 3, stride, pad });
      cases.push({ n: 3, h: 12, w: 11, cin: 5, cout: 2, k: 2, stride, pad });
    }
  }
  cases.push({ n: 2, h: 8, w: 6, cin: 4, cout: 3, k: 1, stride: 1, pad: 'same' });

  for (const c of cases) {
    it(`match the CPU backend to 1e-4 relative: k ${c.k}, stride ${c.stride}, pad ${c.pad}, ${c.h}×${c.w}`, async () => {
      const [dxWasm, dwWasm] = await convGrads('wasm', c, 7);
      const [dxCpu, dwCpu] = await convGrads('cpu', c, 7);
      await tf.setBackend('wasm');
      expect(dxWasm.length).toBe(dxCpu.length);
      expect(relativeError(dxWasm, dxCpu)).toBeLessThan(1e-4);
      expect(relativeError(dwWasm, dwCpu)).toBeLessThan(1e-4);
    });
  }

  it('conv2dTranspose 2×2 stride 2 (U-Net up-convolution) and its gradients match CPU', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const rng = new Rng(3);
      const x = tf.tensor4d(randomArray(rng, 2 * 5 * 6 * 4), [2, 5, 6, 4]);
      const w = tf.tensor4d(randomArray(rng, 2 * 2 * 3 * 4), [2, 2, 3, 4]);
      const g = tf.tensor4d(randomArray(rng, 2 * 10 * 12 * 3), [2, 10, 12, 3]);
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 10, 12, 3], 2, 'same');
      const y = f(x, w);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).mul(g).sum())([x, w]);
      const out = [await y.data(), await dx.data(), await dw.data()] as Float32Array[];
      tf.dispose([x, w, g, y, dx, dw]);
      return out;
    };
    const wasm = await run('wasm');
    const cpu = await run('cpu');
    await tf.setBackend('wasm');
    for (let i = 0; i < 3; i++) expect(relativeError(wasm[i], cpu[i])).toBeLessThan(1e-4);
  });

  it('leave no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await convGrads('wasm', { n: 1, h: 6, w: 6, cin: 2, cout: 2, k: 3, stride: 2, pad: 'same' }, 1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
