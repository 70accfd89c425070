/**
 * Batch normalisation over the channel (last) axis (Ioffe & Szegedy 2015, arXiv:1502.03167) with
 * a closed-form gradient. Same parameters, defaults and moving-average rule as Keras'
 * BatchNormalization (biased batch variance; moving ← moving − (1 − momentum)(moving − batch)),
 * but in training the backward pass is one custom gradient,
 *
 *   x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = γ·x̂ + β,
 *   ∂β = Σdy,  ∂γ = Σdy·x̂,  ∂x = γ·r·(dy − ∂β/M − x̂·∂γ/M),  M = N·H·W,
 *
 * instead of tfjs-core's differentiation through the moments, which on the WASM backend made
 * batch norm about a third of a U-Net training step.
 */
import * as tf from '@tensorflow/tfjs';

/** Options of the layer. */
export interface BatchNormArgs {
  name?: string;
  /** Moving-average momentum in [0, 1) (default 0.99, as Keras). */
  momentum?: number;
  /** ε added to the variance (default 1e-3, as Keras). */
  epsilon?: number;
}

/** Channel-last batch normalisation layer with a closed-form training gradient. */
export class BatchNorm extends tf.layers.Layer {
  static className = 'HrtemBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(args: BatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null) throw new TypeError('BatchNorm: the channel axis must have a known size');
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    const frozen = (name: string, init: ReturnType<typeof tf.initializers.zeros>) =>
      this.addWeight(name, [channels], 'float32', init, undefined, false);
    this.movingMean = frozen('moving_mean', tf.initializers.zeros());
    this.movingVariance = frozen('moving_variance', tf.initializers.ones());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const gamma = this.gamma.read();
      const beta = this.beta.read();
      if (kwargs.training !== true) {
        return tf.batchNorm(
          x,
          this.movingMean.read(),
          this.movingVariance.read(),
          beta,
          gamma,
          this.epsilon,
        );
      }
      const axes = x.shape.map((_, i) => i).slice(0, -1);
      // The moments are not inputs of the custom gradient: its formula already accounts for their
      // dependence on x. Everything the backward pass needs is saved, since the layers API
      // disposes intermediate activations once the model's forward pass returns.
      const { mean, variance } = tf.moments(x, axes);
      const count = x.size / x.shape[x.shape.length - 1];
      const eps = this.epsilon;
      const normalise = tf.customGrad((input, g, b, save) => {
        const xin = input as tf.Tensor;
        (save as tf.GradSaveFunc)([xin, mean, variance, g as tf.Tensor]);
        return {
          value: tf.batchNorm(xin, mean, variance, b as tf.Tensor, g as tf.Tensor, eps),
          gradFunc: (dy, saved) => {
            const [xs, mu, sigma2, gs] = saved;
            const dyT = dy as tf.Tensor;
            const r = tf.rsqrt(tf.add(sigma2, eps));
            const xhat = tf.mul(tf.sub(xs, mu), r);
            const dBeta = tf.sum(dyT, axes);
            const dGamma = tf.sum(tf.mul(dyT, xhat), axes);
            const centred = tf.sub(
              tf.sub(dyT, tf.div(dBeta, count)),
              tf.mul(xhat, tf.div(dGamma, count)),
            );
            return [tf.mul(centred, tf.mul(gs, r)), dGamma, dBeta];
          },
        };
      });
      const y = normalise(x, gamma, beta);
      this.updateMoving(this.movingMean, mean);
      this.updateMoving(this.movingVariance, variance);
      return y;
    });
  }

  private updateMoving(variable: tf.LayerVariable, value: tf.Tensor): void {
    tf.tidy(() => {
      const current = variable.read();
      variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - this.momentum)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(BatchNorm);
