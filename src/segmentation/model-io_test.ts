import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { initBackend } from './engine.js';
import { loadModel, saveModel } from './model-io.js';
import { predict } from './predict.js';
import { syntheticDiscs } from './synthetic.js';
import { trainModel } from './train.js';
import { createUNet } from './unet.js';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'hrtem-model-io-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('saveModel / loadModel', () => {
  it('round-trips a trained model to identical predictions and stores metadata', async () => {
    const data = syntheticDiscs(4, 32, new Rng(1));
    const unet = createUNet({ depth: 2, baseFilters: 4, block: 'residual', dropout: 0.1, seed: 9 });
    await trainModel(unet, data, { epochs: 1, batchSize: 4 });
    const folder = join(dir, 'a');
    await saveModel(folder, unet, { domain: 'test-domain' });
    const loaded = await loadModel(folder, { expect: { depth: 2 } });
    const before = await predict(unet, data);
    const after = await predict(loaded, data);
    expect(Array.from(after)).toEqual(Array.from(before));
    const meta = JSON.parse(readFileSync(join(folder, 'hrtem-model.json'), 'utf8'));
    expect(meta).toMatchObject({
      format: 'hrtem-ood/unet',
      seed: 9,
      backend: 'wasm',
      info: { domain: 'test-domain' },
      architecture: { depth: 2, baseFilters: 4, block: 'residual' },
    });
    expect(typeof meta.codeVersion).toBe('string');
    unet.model.dispose();
    loaded.model.dispose();
  });

  it('refuses a model of another architecture than expected', async () => {
    const folder = join(dir, 'b');
    const unet = createUNet({ depth: 2, baseFilters: 4, seed: 1 });
    await saveModel(folder, unet);
    unet.model.dispose();
    await expect(loadModel(folder, { expect: { depth: 3 } })).rejects.toThrow(InputError);
    await expect(loadModel(folder, { expect: { depth: 3, baseFilters: 4 } })).rejects.toThrow(
      'loadModel: model in ' + folder + ' is of another architecture: depth 2 (expected 3)',
    );
  });

  it('refuses model files of another architecture than the metadata describes', async () => {
    const small = join(dir, 'c-small');
    const big = join(dir, 'c-big');
    const a = createUNet({ depth: 2, baseFilters: 4, seed: 1 });
    const b = createUNet({ depth: 3, baseFilters: 4, seed: 1 });
    await saveModel(small, a);
    await saveModel(big, b);
    a.model.dispose();
    b.model.dispose();
    copyFileSync(join(big, 'weights.bin'), join(small, 'weights.bin'));
    await expect(loadModel(small)).rejects.toThrow(/mixes files of different models/);
    copyFileSync(join(big, 'model.json'), join(small, 'model.json'));
    const meta = JSON.parse(readFileSync(join(big, 'hrtem-model.json'), 'utf8'));
    const own = JSON.parse(readFileSync(join(small, 'hrtem-model.json'), 'utf8'));
    own.weightsSha256 = meta.weightsSha256;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(small, 'hrtem-model.json'), JSON.stringify(own));
    await expect(loadModel(small)).rejects.toThrow(/holds another architecture than its metadata/);
    await expect(loadModel(join(dir, 'missing'))).rejects.toThrow(/model metadata .* not found/);
  });
});
