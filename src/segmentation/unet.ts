/**
 * U-Net (Ronneberger, Fischer & Brox 2015, arXiv:1505.04597) built with the TensorFlow.js layers
 * API: an encoder of `depth` max-pooling stages, a bottleneck, and a decoder of 2×2 stride-2
 * up-convolutions concatenated with the encoder's features. Convolutions are 3×3 'same', so the
 * network is fully convolutional: it accepts any height and width divisible by 2^depth.
 *
 * Blocks are either plain (conv → [BN] → ReLU, twice) or residual with pre-activation
 * (He et al. 2016, arXiv:1603.05027: [BN] → ReLU → conv, twice, plus an identity or 1×1
 * projection shortcut), as in the ResNet-style U-Nets used for HRTEM segmentation.
 * Weight initialisation is He-normal with per-layer seeds derived from `config.seed`.
 */
import * as tf from '@tensorflow/tfjs';
import { requireInteger } from '../core/errors.js';
import { Rng } from '../core/rng.js';

/** Architecture of a U-Net; every field is stored with a saved model. */
export interface UNetConfig {
  /** Number of 2× down-sampling stages, integer in [1, 6]. */
  depth: number;
  /** Filters of the first stage (doubled at each stage), integer in [1, 1024]. */
  baseFilters: number;
  /** 'plain' (conv-BN-ReLU) or 'residual' (pre-activation residual) blocks. */
  block: 'plain' | 'residual';
  /** Batch normalisation in every block. */
  batchNorm: boolean;
  /** Dropout rate in [0, 1) applied after the bottleneck block. */
  dropout: number;
  /** Output head: 'softmax' gives 2 channels (background, particle), 'sigmoid' gives 1. */
  head: 'softmax' | 'sigmoid';
  /** Seed of the weight initialisation. */
  seed: number;
}

/** Small default that trains on a 2-core CPU: depth 3, 8 filters, plain blocks (≈ 120 k weights). */
export const DEFAULT_UNET: UNetConfig = {
  depth: 3,
  baseFilters: 8,
  block: 'plain',
  batchNorm: true,
  dropout: 0,
  head: 'softmax',
  seed: 0,
};

/**
 * GPU preset close to the ResNet-style U-Nets of the HRTEM segmentation literature: depth 4,
 * 42 base filters, pre-activation residual blocks, batch norm, dropout 0.1 (≈ 14.0 M weights).
 */
export const GPU_UNET: UNetConfig = {
  depth: 4,
  baseFilters: 42,
  block: 'residual',
  batchNorm: true,
  dropout: 0.1,
  head: 'softmax',
  seed: 0,
};

/**
 * Checks a U-Net configuration and fills missing fields from `DEFAULT_UNET`.
 * @throws RangeError or TypeError naming the bad field
 */
export function resolveUNetConfig(config: Partial<UNetConfig> = {}): UNetConfig {
  const c = { ...DEFAULT_UNET, ...config };
  requireInteger('unet.depth', c.depth, 1, 6);
  requireInteger('unet.baseFilters', c.baseFilters, 1, 1024);
  if (c.block !== 'plain' && c.block !== 'residual') {
    throw new TypeError(`unet.block must be 'plain' or 'residual', got ${JSON.stringify(c.block)}`);
  }
  if (c.head !== 'softmax' && c.head !== 'sigmoid') {
    throw new TypeError(`unet.head must be 'softmax' or 'sigmoid', got ${JSON.stringify(c.head)}`);
  }
  if (typeof c.batchNorm !== 'boolean') throw new TypeError('unet.batchNorm must be a boolean');
  if (!(c.dropout >= 0 && c.dropout < 1)) {
    throw new RangeError(`unet.dropout must be in [0, 1), got ${c.dropout}`);
  }
  if (!Number.isSafeInteger(c.seed)) {
    throw new RangeError(`unet.seed must be a safe integer, got ${c.seed}`);
  }
  return {
    depth: c.depth,
    baseFilters: c.baseFilters,
    block: c.block,
    batchNorm: c.batchNorm,
    dropout: c.dropout,
    head: c.head,
    seed: c.seed,
  };
}

class Builder {
  private readonly rng: Rng;
  constructor(private readonly config: UNetConfig) {
    this.rng = new Rng(config.seed).fork('unet-init');
  }

  private conv(x: tf.SymbolicTensor, filters: number, name: string, kernel = 3): tf.SymbolicTensor {
    return tf.layers
      .conv2d({
        filters,
        kernelSize: kernel,
        padding: 'same',
        useBias: !this.config.batchNorm,
        kernelInitializer: tf.initializers.heNormal({ seed: this.rng.nextUint32() }),
        name,
      })
      .apply(x) as tf.SymbolicTensor;
  }

  private norm(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
    if (!this.config.batchNorm) return x;
    return tf.layers.batchNormalization({ name, momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
  }

  private relu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
    return tf.layers.activation({ activation: 'relu', name }).apply(x) as tf.SymbolicTensor;
  }

  block(x: tf.SymbolicTensor, filters: number, name: string): tf.SymbolicTensor {
    if (this.config.block === 'plain') {
      let y = x;
      for (const i of [1, 2]) {
        y = this.conv(y, filters, `${name}_conv${i}`);
        y = this.norm(y, `${name}_bn${i}`);
        y = this.relu(y, `${name}_relu${i}`);
      }
      return y;
    }
    let y = x;
    for (const i of [1, 2]) {
      y = this.norm(y, `${name}_bn${i}`);
      y = this.relu(y, `${name}_relu${i}`);
      y = this.conv(y, filters, `${name}_conv${i}`);
    }
    const channels = x.shape[x.shape.length - 1];
    const shortcut = channels === filters ? x : this.conv(x, filters, `${name}_proj`, 1);
    return tf.layers.add({ name: `${name}_add` }).apply([shortcut, y]) as tf.SymbolicTensor;
  }

  build(): tf.LayersModel {
    const { depth, baseFilters, dropout, head } = this.config;
    const input = tf.input({ shape: [null, null, 1], name: 'image' });
    const skips: tf.SymbolicTensor[] = [];
    let x: tf.SymbolicTensor = input;
    for (let level = 0; level < depth; level++) {
      x = this.block(x, baseFilters * 2 ** level, `enc${level}`);
      skips.push(x);
      x = tf.layers
        .maxPooling2d({ poolSize: 2, name: `pool${level}` })
        .apply(x) as tf.SymbolicTensor;
    }
    x = this.block(x, baseFilters * 2 ** depth, 'bottleneck');
    if (this.config.block === 'residual')
      x = this.relu(this.norm(x, 'bottleneck_bn'), 'bottleneck_act');
    if (dropout > 0) {
      x = tf.layers
        .dropout({ rate: dropout, seed: this.rng.nextUint32(), name: 'dropout' })
        .apply(x) as tf.SymbolicTensor;
    }
    for (let level = depth - 1; level >= 0; level--) {
      const filters = baseFilters * 2 ** level;
      x = tf.layers
        .conv2dTranspose({
          filters,
          kernelSize: 2,
          strides: 2,
          padding: 'same',
          kernelInitializer: tf.initializers.heNormal({ seed: this.rng.nextUint32() }),
          name: `up${level}`,
        })
        .apply(x) as tf.SymbolicTensor;
      x = tf.layers
        .concatenate({ name: `concat${level}` })
        .apply([skips[level], x]) as tf.SymbolicTensor;
      x = this.block(x, filters, `dec${level}`);
    }
    if (this.config.block === 'residual') x = this.relu(this.norm(x, 'final_bn'), 'final_act');
    const output = tf.layers
      .conv2d({
        filters: head === 'softmax' ? 2 : 1,
        kernelSize: 1,
        activation: head,
        kernelInitializer: tf.initializers.glorotUniform({ seed: this.rng.nextUint32() }),
        name: 'head',
      })
      .apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: output, name: 'unet' });
  }
}

/** A built U-Net together with its resolved configuration. */
export interface UNet {
  model: tf.LayersModel;
  config: UNetConfig;
}

/**
 * Builds a U-Net with seeded He-normal initialisation. Input (batch, h, w, 1) with h and w
 * divisible by 2^depth; output (batch, h, w, 2) softmax probabilities or (batch, h, w, 1) sigmoid
 * probability of the particle class.
 * @param config fields override `DEFAULT_UNET`
 * @throws RangeError or TypeError for an invalid configuration
 * @example
 * const { model } = createUNet({ depth: 2, baseFilters: 4, seed: 1 });
 */
export function createUNet(config: Partial<UNetConfig> = {}): UNet {
  const resolved = resolveUNetConfig(config);
  return { model: new Builder(resolved).build(), config: resolved };
}

/** Number of trainable and non-trainable weights of a model. */
export function countParameters(model: tf.LayersModel): number {
  return model.weights.reduce(
    (sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1),
    0,
  );
}
