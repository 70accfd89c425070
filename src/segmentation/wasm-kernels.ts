/**
 * Replacement kernels for the TensorFlow.js WASM backend (4.22):
 * - Concat and SplitV: the stock kernels copy one `subarray` per innermost row, which for a
 *   U-Net's channel concatenation (8–64 floats per row) allocates millions of views per training
 *   step; these copy with plain indexed loops (float32; other dtypes go to the stock kernels).
 * - Identity: the engine clones every tensor it saves for the backward pass through Identity,
 *   which the WASM backend implements as a full copy; tensors are immutable, so here (as in the
 *   CPU backend) the clone shares the data buffer by reference count.
 * - MaxPoolGrad: the stock kernel took about 11 ms per call on a 8×128×128×8 input (a twentieth of
 *   a U-Net training step for three calls); this one scans each window once in plain loops. Same
 *   rule as the CPU backend: the whole gradient of a window goes to its first maximum in row-major
 *   order (ties, e.g. the zeros after a ReLU, are not shared), none to a window of NaNs.
 */
import * as tf from '@tensorflow/tfjs';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  incRef(dataId: tf.DataId): void;
}

function normaliseAxis(axis: number | number[], rank: number): number {
  const a = Array.isArray(axis) ? axis[0] : axis;
  return a < 0 ? a + rank : a;
}

function product(values: readonly number[]): number {
  return values.reduce((p, v) => p * v, 1);
}

function concatFloat32(
  inputs: tf.TensorInfo[],
  axis: number,
  backend: WasmBackendLike,
): tf.TensorInfo {
  const outer = product(inputs[0].shape.slice(0, axis));
  const inner = inputs.map((t) => product(t.shape.slice(axis)));
  const total = inner.reduce((a, b) => a + b, 0);
  const shape = inputs[0].shape.slice();
  shape[axis] = inputs.reduce((sum, t) => sum + t.shape[axis], 0);
  const out = backend.makeOutput(shape, 'float32');
  const dst = backend.typedArrayFromHeap(out);
  let offset = 0;
  inputs.forEach((input, k) => {
    const src = backend.typedArrayFromHeap(input);
    const width = inner[k];
    for (let b = 0; b < outer; b++) {
      const from = b * width;
      const to = b * total + offset;
      for (let c = 0; c < width; c++) dst[to + c] = src[from + c];
    }
    offset += width;
  });
  return out;
}

function splitFloat32(
  x: tf.TensorInfo,
  sizes: number[],
  axis: number,
  backend: WasmBackendLike,
): tf.TensorInfo[] {
  const outer = product(x.shape.slice(0, axis));
  const after = product(x.shape.slice(axis + 1));
  const total = x.shape[axis] * after;
  const src = backend.typedArrayFromHeap(x);
  let offset = 0;
  return sizes.map((size) => {
    const shape = x.shape.slice();
    shape[axis] = size;
    const out = backend.makeOutput(shape, 'float32');
    const dst = backend.typedArrayFromHeap(out);
    const width = size * after;
    for (let b = 0; b < outer; b++) {
      const from = b * total + offset;
      const to = b * width;
      for (let c = 0; c < width; c++) dst[to + c] = src[from + c];
    }
    offset += width;
    return out;
  });
}

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function maxPoolGradFloat32(
  dy: tf.TensorInfo,
  x: tf.TensorInfo,
  attrs: PoolAttrs,
  backend: WasmBackendLike,
): tf.TensorInfo {
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: depth, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const out = backend.makeOutput(x.shape, 'float32');
  const dx = backend.typedArrayFromHeap(out);
  dx.fill(0);
  const xs = backend.typedArrayFromHeap(x);
  const dys = backend.typedArrayFromHeap(dy);
  // Running maximum and its flat index per channel of the current window (NHWC: the channels of
  // one pixel are contiguous, so the inner loop reads memory in order).
  const best = new Float32Array(depth);
  const where = new Int32Array(depth);
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * depth;
    for (let yr = 0; yr < outHeight; yr++) {
      const r0 = yr * strideHeight - top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(inHeight, r0 + filterHeight);
      for (let yc = 0; yc < outWidth; yc++) {
        const c0 = yc * strideWidth - left;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(inWidth, c0 + filterWidth);
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let r = rMin; r < rMax; r++) {
          for (let c = cMin; c < cMax; c++) {
            const base = xBatch + (r * inWidth + c) * depth;
            for (let d = 0; d < depth; d++) {
              const v = xs[base + d];
              if (v > best[d]) {
                best[d] = v;
                where[d] = base + d;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + yr) * outWidth + yc) * depth;
        for (let d = 0; d < depth; d++) if (where[d] >= 0) dx[where[d]] += dys[dyBase + d];
      }
    }
  }
  return out;
}

let registered = false;

/** Replaces the WASM backend's Concat, SplitV, Identity and MaxPoolGrad kernels (idempotent). */
export function registerWasmKernels(): void {
  if (registered) return;
  const concat = tf.getKernel('Concat', 'wasm');
  const split = tf.getKernel('SplitV', 'wasm');
  const identity = tf.getKernel('Identity', 'wasm');
  const maxPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');
  if (!concat || !split || !identity || !maxPoolGrad) return;
  tf.unregisterKernel('MaxPoolGrad', 'wasm');
  tf.registerKernel({
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      if (input.dtype !== 'float32' || dy.dtype !== 'float32' || input.shape.length !== 4) {
        return maxPoolGrad.kernelFunc(args);
      }
      return maxPoolGradFloat32(
        dy,
        input,
        args.attrs as unknown as PoolAttrs,
        args.backend as unknown as WasmBackendLike,
      );
    },
  });
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype === 'string') return identity.kernelFunc(args);
      (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  tf.unregisterKernel('Concat', 'wasm');
  tf.registerKernel({
    kernelName: 'Concat',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const inputs = args.inputs as unknown as tf.TensorInfo[];
      const nonEmpty = inputs.filter((t) => product(t.shape) > 0);
      if (nonEmpty.length < 2 || nonEmpty.some((t) => t.dtype !== 'float32')) {
        return concat.kernelFunc(args);
      }
      const axis = normaliseAxis((args.attrs as { axis: number }).axis, nonEmpty[0].shape.length);
      return concatFloat32(nonEmpty, axis, args.backend as unknown as WasmBackendLike);
    },
  });
  tf.unregisterKernel('SplitV', 'wasm');
  tf.registerKernel({
    kernelName: 'SplitV',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { numOrSizeSplits, axis } = args.attrs as {
        numOrSizeSplits: number | number[];
        axis: number;
      };
      const a = normaliseAxis(axis, x.shape.length);
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, a);
      if (x.dtype !== 'float32') return split.kernelFunc(args);
      return splitFloat32(x, sizes, a, args.backend as unknown as WasmBackendLike);
    },
  });
  registered = true;
}
