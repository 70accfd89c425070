import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { initBackend } from './engine.js';
import { bottleneckFeatures, diagonalFrechetDistance } from './features.js';
import { syntheticDiscs } from './synthetic.js';
import { createUNet } from './unet.js';

describe('bottleneck features', () => {
  it('give one vector of 2^depth·baseFilters channels per image, the same for the same image', async () => {
    await initBackend('wasm');
    const unet = createUNet({ depth: 2, baseFilters: 4, seed: 3 });
    const data = syntheticDiscs(5, 16, new Rng(1));
    const { features, channels } = await bottleneckFeatures(unet, data, { batchSize: 2 });
    expect(channels).toBe(16);
    expect(features.length).toBe(5 * 16);
    const again = await bottleneckFeatures(unet, data, { batchSize: 5 });
    for (let i = 0; i < features.length; i++)
      expect(Math.abs(features[i] - again.features[i])).toBeLessThan(1e-5);
    unet.model.dispose();
  });

  it('diagonal Fréchet distance is 0 for equal sets and matches a hand-computed value', () => {
    const a = Float32Array.from([0, 0, 2, 2]); // 2 vectors × 2 channels: means (1, 1), variances (2, 2)
    const b = Float32Array.from([1, 3, 1, 3]); // means (1, 3), variances (0, 0)
    expect(diagonalFrechetDistance(a, a, 2)).toBe(0);
    // ‖μ₁ − μ₂‖² = 4; Σ (2 + 0 − 0) = 4 → 8.
    expect(diagonalFrechetDistance(a, b, 2)).toBeCloseTo(8, 12);
  });
});
