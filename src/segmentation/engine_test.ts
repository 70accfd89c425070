import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { initBackend } from './engine.js';

async function nativeInstalled(): Promise<boolean> {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(name);
      return true;
    } catch {
      // not installed
    }
  }
  return false;
}

describe('initBackend', () => {
  it('picks WASM with the project kernels when tfjs-node is not installed, and says why', async () => {
    if (await nativeInstalled()) return;
    const d = await initBackend('auto');
    expect(d.backend).toBe('wasm');
    expect(d.reason).toContain('not installed');
    expect(d.text).toMatch(/^TensorFlow\.js backend: wasm, SIMD (on|off), 1 thread/);
  });

  it('refuses the native backend when it is not installed, and unknown names', async () => {
    if (!(await nativeInstalled())) {
      await expect(initBackend('tensorflow')).rejects.toThrow(InputError);
    }
    await expect(initBackend('gpu' as never)).rejects.toThrow(
      'backend must be one of auto, wasm, cpu, tensorflow; got "gpu"',
    );
  });
});
