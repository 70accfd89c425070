import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { initBackend } from './engine.js';
import { predict, predictTiled } from './predict.js';
import { createUNet, type UNet } from './unet.js';

let unet: UNet;
beforeAll(async () => {
  await initBackend('wasm');
  unet = createUNet({ depth: 1, baseFilters: 4, seed: 3 });
});

function noise(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

describe('predictTiled', () => {
  // depth 1, plain blocks: receptive-field radius ≈ 2 + 1 + 2·2 + 1 + 2 = 10 px, less than the
  // 12 px each tile discards at an inner edge with a 24 px overlap.
  const [h, w] = [75, 53];
  const image = noise(h * w, new Rng(4));

  it('equals untiled inference on an odd-sized image when tiles overlap beyond the receptive field', async () => {
    const whole = await predict(unet, { images: image, shape: [1, h, w] });
    const tiled = await predictTiled(unet, image, h, w, { tile: 32, overlap: 24 });
    expect(tiled.length).toBe(h * w);
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(whole[i] - tiled[i]));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('differs near tile borders when tiles do not overlap (the comparison above can fail)', async () => {
    const whole = await predict(unet, { images: image, shape: [1, h, w] });
    const tiled = await predictTiled(unet, image, h, w, { tile: 32, overlap: 0 });
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(whole[i] - tiled[i]));
    expect(maxDiff).toBeGreaterThan(1e-3);
  });

  it('rejects a tile that is not a multiple of 2^depth', async () => {
    await expect(predictTiled(unet, image, h, w, { tile: 33, overlap: 0 })).rejects.toThrow(
      'tile must be a positive multiple of 2^depth = 2 px, got 33 px',
    );
  });
});
