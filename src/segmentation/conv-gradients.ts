/**
 * Convolution gradient kernels for the TensorFlow.js WASM backend, composed from the backend's own
 * fast kernels (XNNPACK `Conv2D`, `Transpose`, `Reverse`, `Reshape`, `Slice`, `PadV2`).
 *
 * - `Conv2DBackpropFilter` (missing from tfjs-backend-wasm 4.22): the weight gradient
 *   dW[a, b, ci, co] = Σ_{n,i,j} x[n, i·s + a − pt, j·s + b − pl, ci] · dy[n, i, j, co]
 *   is a forward convolution of x with its batch and channel axes swapped, (Cin, H, W, N), by the
 *   output gradient used as a kernel, (OH, OW, N, Cout), dilated by the stride s.
 * - `Conv2DBackpropInput` (present but several times slower than the forward convolution):
 *   dx = conv(dy dilated by s with zeros and padded, W flipped in both spatial axes with its
 *   channel axes swapped). When the kernel size equals the stride and tiles the input exactly
 *   (the 2×2 / stride-2 up-convolution of a U-Net), it is a 1×1 convolution followed by a
 *   depth-to-space rearrangement.
 *
 * Only NHWC, dilation 1 and 'same' / 'valid' padding take the fast path; any other case goes to
 * the backend's original kernel (input gradient) or throws naming the case (weight gradient).
 */
import * as tf from '@tensorflow/tfjs';

type Pair = [number, number];
type Explicit4 = [Pair, Pair, Pair, Pair];

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | Explicit4;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: string;
  filterShape?: [number, number, number, number];
  inputShape?: [number, number, number, number];
}

/** Calls a kernel registered for the backend, bypassing the engine (no tape, no scopes). */
function call(
  backend: tf.KernelBackend,
  name: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown> = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`conv-gradients: backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, attrs, backend } as never) as tf.TensorInfo;
}

/** Frees intermediate tensors created inside a kernel. */
function free(backend: tf.KernelBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

function stridePair(strides: number | [number, number]): [number, number] {
  return typeof strides === 'number' ? [strides, strides] : strides;
}

/** Top/left padding as TensorFlow computes it for 'same' and 'valid'; null for other modes. */
function leadingPad(
  pad: ConvAttrs['pad'],
  inSize: number,
  outSize: number,
  stride: number,
  filter: number,
): number | null {
  if (pad === 'valid') return 0;
  if (pad === 'same') {
    const total = Math.max((outSize - 1) * stride + filter - inSize, 0);
    return Math.floor(total / 2);
  }
  return null;
}

/** Inserts (s − 1) zeros between rows and columns of an NHWC tensor. */
function dilateSpatial(
  backend: tf.KernelBackend,
  x: tf.TensorInfo,
  sh: number,
  sw: number,
): tf.TensorInfo {
  const [n, h, w, c] = x.shape;
  const r6 = call(backend, 'Reshape', { x }, { shape: [n, h, 1, w, 1, c] });
  const padded = call(
    backend,
    'PadV2',
    { x: r6 },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  const r4 = call(backend, 'Reshape', { x: padded }, { shape: [n, h * sh, w * sw, c] });
  const out = call(
    backend,
    'Slice',
    { x: r4 },
    { begin: [0, 0, 0, 0], size: [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c] },
  );
  free(backend, r6, padded, r4);
  return out;
}

/** Weight gradient of a 2D convolution as one forward convolution (see module doc). */
export function conv2dBackpropFilterWasm(args: {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: tf.KernelBackend;
  attrs: ConvAttrs;
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const [fh, fw, cin, cout] = attrs.filterShape!;
  const [sh, sw] = stridePair(attrs.strides);
  const [, height, width] = x.shape;
  const [, oh, ow] = dy.shape;
  const pt = leadingPad(attrs.pad, height, oh, sh, fh);
  const pl = leadingPad(attrs.pad, width, ow, sw, fw);
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || pt === null || pl === null) {
    throw new Error(
      `Conv2DBackpropFilter (wasm): only NHWC with 'same' or 'valid' padding is supported, ` +
        `got dataFormat ${attrs.dataFormat} and pad ${JSON.stringify(attrs.pad)}`,
    );
  }

  // Rows/columns of the padded input the dilated kernel reaches; crop what it never reaches.
  const needH = fh + (oh - 1) * sh;
  const needW = fw + (ow - 1) * sw;
  const xt = call(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  const useH = Math.min(height, needH - pt);
  const useW = Math.min(width, needW - pl);
  const cropped =
    useH < height || useW < width
      ? call(backend, 'Slice', { x: xt }, { begin: [0, 0, 0, 0], size: [cin, useH, useW, -1] })
      : null;
  const kernel = call(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const pad: Explicit4 = [
    [0, 0],
    [pt, needH - pt - useH],
    [pl, needW - pl - useW],
    [0, 0],
  ];
  const conv = call(
    backend,
    'Conv2D',
    { x: cropped ?? xt, filter: kernel },
    { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [sh, sw], dimRoundingMode: undefined },
  );
  const out = call(backend, 'Transpose', { x: conv }, { perm: [1, 2, 0, 3] });
  free(backend, xt, kernel, conv, ...(cropped ? [cropped] : []));
  if (out.shape[0] !== fh || out.shape[1] !== fw || out.shape[3] !== cout) {
    throw new Error(`Conv2DBackpropFilter (wasm): internal shape error ${out.shape}`);
  }
  return out;
}

/** Input gradient of a 2D convolution as a forward convolution (see module doc). */
export function conv2dBackpropInputWasm(
  args: {
    inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo };
    backend: tf.KernelBackend;
    attrs: ConvAttrs;
  },
  fallback?: tf.KernelFunc,
): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const [n, height, width, cin] = attrs.inputShape!;
  const [fh, fw, , cout] = filter.shape;
  const [sh, sw] = stridePair(attrs.strides);
  const [, oh, ow] = dy.shape;
  const pt = leadingPad(attrs.pad, height, oh, sh, fh);
  const pl = leadingPad(attrs.pad, width, ow, sw, fw);
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || pt === null || pl === null) {
    if (fallback) return fallback(args as never) as tf.TensorInfo;
    throw new Error(`Conv2DBackpropInput (wasm): unsupported pad ${JSON.stringify(attrs.pad)}`);
  }

  if (fh === sh && fw === sw && pt === 0 && pl === 0 && oh * sh === height && ow * sw === width) {
    return depthToSpaceBackprop(backend, dy, filter, [n, height, width, cin]);
  }
  const strided = sh > 1 || sw > 1;
  const dilated = strided ? dilateSpatial(backend, dy, sh, sw) : dy;
  const flipped = call(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const kernel = call(backend, 'Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
  const dh = dilated.shape[1];
  const dw = dilated.shape[2];
  const pad: Explicit4 = [
    [0, 0],
    [fh - 1 - pt, height - dh + pt],
    [fw - 1 - pl, width - dw + pl],
    [0, 0],
  ];
  const out = call(
    backend,
    'Conv2D',
    { x: dilated, filter: kernel },
    { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
  );
  free(backend, flipped, kernel, ...(strided ? [dilated] : []));
  if (out.shape[1] !== height || out.shape[2] !== width || out.shape[3] !== cin || cout < 1) {
    throw new Error(`Conv2DBackpropInput (wasm): internal shape error ${out.shape}`);
  }
  return out;
}

/**
 * Kernel size = stride, no padding: every input pixel receives exactly one kernel tap, so
 * dx = depthToSpace(dy · Wᵀ), one 1×1 convolution.
 */
function depthToSpaceBackprop(
  backend: tf.KernelBackend,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inputShape: [number, number, number, number],
): tf.TensorInfo {
  const [n, height, width, cin] = inputShape;
  const [fh, fw, , cout] = filter.shape;
  const [, oh, ow] = dy.shape;
  // filter (fh, fw, cin, cout) → (1, 1, cout, fh·fw·cin)
  const ft = call(backend, 'Transpose', { x: filter }, { perm: [3, 0, 1, 2] });
  const f11 = call(backend, 'Reshape', { x: ft }, { shape: [1, 1, cout, fh * fw * cin] });
  const conv = call(
    backend,
    'Conv2D',
    { x: dy, filter: f11 },
    { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
  );
  const r6 = call(backend, 'Reshape', { x: conv }, { shape: [n, oh, ow, fh, fw, cin] });
  const t6 = call(backend, 'Transpose', { x: r6 }, { perm: [0, 1, 3, 2, 4, 5] });
  const out = call(backend, 'Reshape', { x: t6 }, { shape: [n, height, width, cin] });
  free(backend, ft, f11, conv, r6, t6);
  return out;
}

let originalInput: tf.KernelConfig | undefined;
let registered = false;

/**
 * Registers the fast gradient kernels for the 'wasm' backend (idempotent). Call after the WASM
 * backend module is imported; `unregisterWasmConvGradients` restores the original kernels.
 */
export function registerWasmConvGradients(): void {
  if (registered) return;
  originalInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (originalInput) tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  const fallback = originalInput?.kernelFunc;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: ((args: never) => conv2dBackpropInputWasm(args, fallback)) as tf.KernelFunc,
  });
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  }
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
  });
  registered = true;
}

/** Removes the kernels added by `registerWasmConvGradients` and restores the originals. */
export function unregisterWasmConvGradients(): void {
  if (!registered) return;
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  if (originalInput) tf.registerKernel(originalInput);
  registered = false;
}
