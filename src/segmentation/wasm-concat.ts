/**
 * Concat and SplitV kernels for the TensorFlow.js WASM backend. The stock kernels (4.22) copy one
 * `subarray` per innermost row, which for a U-Net's channel concatenation (8–64 floats per row)
 * allocates millions of views per training step; these copy with plain indexed loops instead.
 * Only float32 is handled here; other dtypes go to the original kernels.
 */
import * as tf from '@tensorflow/tfjs';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
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

let registered = false;

/** Replaces the WASM backend's Concat and SplitV kernels for float32 (idempotent). */
export function registerWasmConcat(): void {
  if (registered) return;
  const concat = tf.getKernel('Concat', 'wasm');
  const split = tf.getKernel('SplitV', 'wasm');
  if (!concat || !split) return;
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
