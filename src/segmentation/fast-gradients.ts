/**
 * Faster, exact gradients for two kernels every U-Net training step runs many times.
 *
 * `Relu`: tfjs-core 4.22 computes dy · cast(step(x), float32); on the WASM backend the cast of a
 * float32 tensor to float32 is a full copy. Here: dy · step(x) for float32 x.
 *
 * `FusedBatchNorm`: a faster, exact gradient for TensorFlow.js's `FusedBatchNorm` kernel (used by the layers API's
 * BatchNormalization). The stock gradient in tfjs-core 4.22 tiles the per-channel factor to the
 * full activation shape (the `Tile` kernel took about a quarter of a U-Net training step on the
 * WASM backend) and forms several full-size products per partial derivative. This one broadcasts
 * per-channel factors and shares two reductions, Σdy and Σdy·x, among all partials:
 *
 *   y = (x − μ)·r·γ + β,  r = 1/√(σ² + ε)
 *   ∂/∂x = dy·r·γ,  ∂/∂β = Σdy,  ∂/∂γ = r·S,  ∂/∂μ = −r·γ·Σdy,  ∂/∂σ² = −½·r³·γ·S,
 *   with S = Σdy·(x − μ) = Σdy·x − μ·Σdy, sums over the broadcast (batch and spatial) axes.
 *
 * Gradients are registered per kernel name for every backend; this replaces the stock gradient
 * in the whole process (tested against autodiff of the same formula written with primitive ops).
 */
import * as tf from '@tensorflow/tfjs';

function reduceTo(t: tf.Tensor, axes: number[], shape: number[]): tf.Tensor {
  const summed = axes.length > 0 ? tf.sum(t, axes, true) : t;
  return tf.reshape(summed, shape);
}

const fusedBatchNormGrad: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale', 'offset'],
  gradFunc: (dy, saved, attrs) => {
    const g = dy as tf.Tensor;
    const [x, mean, variance, scale, offset] = saved;
    const epsilon = (attrs as { varianceEpsilon: number }).varianceEpsilon;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const r = tf.rsqrt(tf.add(variance, epsilon));
    const gamma = scale ?? tf.scalar(1);
    // Computed here, not inside the thunks: the engine runs each thunk in its own tidy scope.
    const sumDy = reduceTo(g, axes, mean.shape);
    const sumDyX = reduceTo(tf.mul(g, x), axes, mean.shape);
    const s = tf.sub(sumDyX, tf.mul(mean, sumDy));
    return {
      x: () => tf.mul(g, tf.mul(r, gamma)),
      mean: () => tf.neg(tf.mul(tf.mul(r, gamma), sumDy)),
      variance: () => tf.mul(tf.mul(tf.mul(tf.pow(r, 3), gamma), -0.5), s),
      scale: () => tf.reshape(tf.mul(r, s), scale!.shape),
      offset: () => tf.reshape(sumDy, offset!.shape),
    };
  },
};

const reluGrad: tf.GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const mask = x.dtype === 'float32' ? tf.step(x) : tf.cast(tf.step(x), 'float32');
    return { x: () => tf.mul(dy as tf.Tensor, mask) };
  },
};

let registered = false;

/** Replaces tfjs-core's Relu and FusedBatchNorm gradients with the ones above (idempotent). */
export function registerFastGradients(): void {
  if (registered) return;
  tf.registerGradient(fusedBatchNormGrad);
  tf.registerGradient(reluGrad);
  registered = true;
}
