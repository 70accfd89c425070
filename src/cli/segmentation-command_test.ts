import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readNpy, writeNpy } from '../core/npy.js';
import { Rng } from '../core/rng.js';
import { syntheticDiscs } from '../segmentation/index.js';
import { main } from './main.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hrtem-cli-seg-'));
  const data = syntheticDiscs(4, 16, new Rng(1));
  writeNpy(join(dir, 'images.npy'), { dtype: '<f4', shape: [4, 16, 16], data: data.images });
  writeNpy(join(dir, 'masks.npy'), { dtype: '|u1', shape: [4, 16, 16], data: data.masks! });
  writeNpy(join(dir, 'odd.npy'), {
    dtype: '<u2',
    shape: [21, 19],
    data: new Uint16Array(21 * 19).fill(7),
  });
  writeNpy(join(dir, 'int.npy'), { dtype: '<i4', shape: [4, 4], data: new Int32Array(16) });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hrtem train / evaluate / segment', () => {
  it('trains a model, evaluates it and segments an odd-sized uint16 image', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const model = join(dir, 'model');
    const images = join(dir, 'images.npy');
    const masks = join(dir, 'masks.npy');
    const trainArgs = ['train', '--images', images, '--masks', masks, '--out', model];
    const code = await main([
      ...trainArgs,
      ...[
        '--depth',
        '2',
        '--filters',
        '4',
        '--epochs',
        '2',
        '--batch-size',
        '2',
        '--backend',
        'wasm',
      ],
      ...['--val', `self=${images}:${masks}`],
    ]);
    expect(code).toBe(0);
    expect(
      log.mock.calls.some(([line]) => String(line).startsWith('TensorFlow.js backend: wasm')),
    ).toBe(true);
    const history = JSON.parse(readFileSync(join(model, 'history.json'), 'utf8'));
    expect(history.epochs).toHaveLength(2);
    expect(Object.keys(history.epochs[1].validation)).toEqual(['self']);

    const metrics = join(dir, 'metrics.json');
    const evalArgs = ['--model', model, '--images', images, '--masks', masks, '--out', metrics];
    expect(await main(['evaluate', ...evalArgs, '--backend', 'wasm'])).toBe(0);
    expect(JSON.parse(readFileSync(metrics, 'utf8')).perImage).toHaveLength(4);

    const out = join(dir, 'prob.npy');
    const maskOut = join(dir, 'mask.npy');
    const segArgs = ['--model', model, '--image', join(dir, 'odd.npy'), '--out', out];
    expect(
      await main(['segment', ...segArgs, '--mask-out', maskOut, '--tile', '16', '--overlap', '8']),
    ).toBe(0);
    expect(readNpy(out).shape).toEqual([21, 19]);
    expect(readNpy(maskOut).dtype).toBe('|u1');
    log.mockRestore();
    err.mockRestore();
  });

  it('refuses an image of unsupported bit depth with one error line', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const args = [
      '--model',
      join(dir, 'model'),
      '--image',
      join(dir, 'int.npy'),
      '--out',
      join(dir, 'x.npy'),
    ];
    expect(await main(['segment', ...args])).toBe(2);
    expect(error.mock.calls[0][0]).toMatch(
      /unsupported image dtype <i4; images must be float32, uint8 or uint16/,
    );
    error.mockRestore();
  });
});
