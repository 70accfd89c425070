/**
 * TensorFlow.js backend selection. Order when no backend is named ('auto'):
 * 1. `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`, if the user has installed one
 *    (optional, never a dependency: they download libtensorflow at install time);
 * 2. the WASM backend (XNNPACK, shipped inside the npm package; single-threaded in Node) with the
 *    project's convolution gradient kernels registered (see conv-gradients.ts).
 * The pure-JavaScript 'cpu' backend is available by name only: its weight-gradient kernel takes
 * minutes per training step of even a small U-Net.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { InputError } from '../core/errors.js';
import { registerWasmConvGradients } from './conv-gradients.js';
import { registerFastGradients } from './fast-gradients.js';
import { registerWasmConcat } from './wasm-concat.js';

/** Backend names accepted by `initBackend`. */
export type BackendName = 'auto' | 'wasm' | 'cpu' | 'tensorflow';

/** Which backend runs and why. */
export interface BackendDescription {
  /** The tfjs backend name now active ('wasm', 'cpu' or 'tensorflow'). */
  backend: string;
  /** One sentence: why this backend was chosen. */
  reason: string;
  /** Human-readable summary for the CLI to print. */
  text: string;
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
let wasmPathsSet = false;

async function tryNative(): Promise<string | null> {
  for (const name of NATIVE_PACKAGES) {
    try {
      await import(name);
      if (tf.findBackend('tensorflow') !== null && (await tf.setBackend('tensorflow'))) {
        return name;
      }
    } catch {
      // Not installed (the usual case) or failed to load its native library: try the next.
    }
  }
  return null;
}

async function startWasm(): Promise<void> {
  if (!wasmPathsSet) {
    const require = createRequire(import.meta.url);
    const pkg = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    setWasmPaths(`${join(pkg, 'dist')}/`);
    setThreadsCount(1);
    wasmPathsSet = true;
  }
  registerWasmConvGradients();
  registerWasmConcat();
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('TensorFlow.js WASM backend failed to initialise');
  }
}

/**
 * Selects and initialises the TensorFlow.js backend.
 * @param name 'auto' (default: native tfjs-node if installed, else WASM), 'wasm', 'cpu', or
 *   'tensorflow' (requires `@tensorflow/tfjs-node` or `-node-gpu` to be installed)
 * @returns which backend runs and why
 * @throws InputError for an unknown name or a native backend that is not installed
 * @example
 * const { text } = await initBackend('wasm'); // "TensorFlow.js backend: wasm (...)"
 */
export async function initBackend(name: BackendName = 'auto'): Promise<BackendDescription> {
  let reason: string;
  if (name === 'auto' || name === 'tensorflow') {
    const native = await tryNative();
    if (native) {
      reason = `${native} is installed (native TensorFlow)`;
    } else if (name === 'tensorflow') {
      throw new InputError(
        `backend: 'tensorflow' needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu installed; ` +
          `use --backend wasm instead`,
      );
    } else {
      await startWasm();
      reason =
        'default: @tensorflow/tfjs-node(-gpu) not installed; WASM/XNNPACK with project gradient kernels';
    }
  } else if (name === 'wasm') {
    await startWasm();
    reason = 'requested; WASM/XNNPACK with project gradient kernels';
  } else if (name === 'cpu') {
    await tf.setBackend('cpu');
    reason = 'requested; pure-JavaScript kernels (slow for training)';
  } else {
    throw new InputError(
      `backend must be one of auto, wasm, cpu, tensorflow; got ${JSON.stringify(name)}`,
    );
  }
  await tf.ready();
  registerFastGradients();
  const backend = tf.getBackend();
  const extra =
    backend === 'wasm'
      ? `, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, 1 thread`
      : '';
  return { backend, reason, text: `TensorFlow.js backend: ${backend}${extra} (${reason})` };
}
