import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './engine.js';
import { countParameters, createUNet, DEFAULT_UNET, GPU_UNET } from './unet.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('createUNet', () => {
  it('builds the default and GPU presets with the documented sizes', () => {
    const small = createUNet(DEFAULT_UNET);
    expect(countParameters(small.model)).toBeGreaterThan(100_000);
    expect(countParameters(small.model)).toBeLessThan(150_000);
    expect(small.model.outputs[0].shape).toEqual([null, null, null, 2]);
    small.model.dispose();
    const gpu = createUNet(GPU_UNET);
    const n = countParameters(gpu.model);
    expect(n).toBeGreaterThan(13e6);
    expect(n).toBeLessThan(15e6);
    gpu.model.dispose();
  });

  it('gives a 1-channel sigmoid head on request', () => {
    const unet = createUNet({ depth: 1, baseFilters: 2, head: 'sigmoid' });
    expect(unet.model.outputs[0].shape).toEqual([null, null, null, 1]);
    unet.model.dispose();
  });

  it('rejects invalid configurations naming the field', () => {
    expect(() => createUNet({ depth: 0 })).toThrow(
      'unet.depth must be an integer in [1, 6], got 0',
    );
    expect(() => createUNet({ dropout: 1 })).toThrow('unet.dropout must be in [0, 1), got 1');
    expect(() => createUNet({ block: 'dense' as never })).toThrow(TypeError);
  });
});
