import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readNpy, writeNpy } from '../core/npy.js';
import { Rng } from '../core/rng.js';
import { syntheticDiscs } from '../segmentation/index.js';
import { writeDatasetFixture } from '../test-utils/dataset-fixture.js';
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
  const split = (n: number, seed: number) => {
    const d = syntheticDiscs(n, 16, new Rng(seed));
    return { images: d.images, masks: d.masks!, n };
  };
  writeDatasetFixture(
    join(dir, 'ds'),
    { train: split(5, 2), val: split(2, 3), test: split(3, 4) },
    { h: 16, w: 16, shardSize: 2, name: 'discs' },
  );
});

const TINY = ['--depth', '2', '--filters', '4', '--batch-size', '2', '--backend', 'wasm'];

function quiet() {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return {
    log,
    restore: () => {
      log.mockRestore();
      err.mockRestore();
    },
  };
}
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
      ...TINY,
      ...['--epochs', '2'],
      ...['--val', `self=${images}:${masks}`],
    ]);
    expect(code).toBe(0);
    expect(
      log.mock.calls.some(([line]) => String(line).startsWith('TensorFlow.js backend: wasm')),
    ).toBe(true);
    const history = JSON.parse(readFileSync(join(model, 'history.json'), 'utf8'));
    expect(history.epochs).toHaveLength(2);
    expect(Object.keys(history.epochs[1].validation)).toEqual(['self']);

    const info = JSON.parse(readFileSync(join(model, 'hrtem-model.json'), 'utf8')).info;
    expect(info.normalisation).toEqual({ method: 'per-image-standardize', appliedBy: 'reader' });

    const metrics = join(dir, 'metrics.json');
    const evalArgs = ['--model', model, '--images', images, '--masks', masks, '--out', metrics];
    expect(await main(['evaluate', ...evalArgs, '--backend', 'wasm'])).toBe(0);
    expect(JSON.parse(readFileSync(metrics, 'utf8')).datasets[0].perImage).toHaveLength(4);

    const out = join(dir, 'prob.npy');
    const maskOut = join(dir, 'mask.npy');
    const segArgs = ['--model', model, '--image', join(dir, 'odd.npy'), '--out', out];
    expect(
      await main(['segment', ...segArgs, '--mask-out', maskOut, '--tile', '16', '--overlap', '8']),
    ).toBe(0);
    expect(readNpy(out).shape).toEqual([21, 19]);
    expect(readNpy(maskOut).dtype).toBe('|u1');
    expect(existsSync(join(dir, 'mask.png'))).toBe(true);
    expect(existsSync(join(dir, 'mask-overlay.png'))).toBe(true);
    log.mockRestore();
    err.mockRestore();
  });

  it('trains from a dataset folder, streaming its train split and validating on its val split', async () => {
    const { log, restore } = quiet();
    const model = join(dir, 'model-ds');
    const ds = join(dir, 'ds');
    const args = ['train', '--dataset', ds, '--out', model, '--epochs', '1', ...TINY];
    expect(await main(args)).toBe(0);
    expect(log.mock.calls.some(([line]) => /5 training images .* streamed from/.test(line))).toBe(
      true,
    );
    const history = JSON.parse(readFileSync(join(model, 'history.json'), 'utf8'));
    expect(Object.keys(history.epochs[0].validation)).toEqual(['val']);
    const manifestBytes = readFileSync(join(ds, 'manifest.json'));
    const manifest = JSON.parse(manifestBytes.toString('utf8'));
    const info = JSON.parse(readFileSync(join(model, 'hrtem-model.json'), 'utf8')).info;
    expect(info.datasetHash).toBe(createHash('sha256').update(manifestBytes).digest('hex'));
    expect(info.domainSpec).toEqual(manifest.domain);
    expect(info.domain).toBe('discs');
    expect(info.normalisation).toEqual({ method: 'per-image-standardize', appliedBy: 'dataset' });
    restore();
  });

  it('evaluates one model on several datasets into JSON and a CSV row per dataset', async () => {
    const { restore } = quiet();
    const images = join(dir, 'images.npy');
    const masks = join(dir, 'masks.npy');
    const out = join(dir, 'many.json');
    const args = ['evaluate', '--model', join(dir, 'model'), '--backend', 'wasm', '--out', out];
    const data = ['--images', images, '--masks', masks, '--images', images, '--masks', masks];
    expect(await main([...args, ...data, '--dataset', join(dir, 'ds')])).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.datasets.map((d: { name: string }) => d.name)).toEqual([
      'images',
      'images#2',
      'discs',
    ]);
    expect(json.datasets[2].perImage).toHaveLength(3);
    expect(json.datasets[2].source.split).toBe('test');
    const csv = readFileSync(join(dir, 'many.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(4);
    expect(csv[0]).toBe(
      'dataset,source,images,loss,f1,f1_ci_low,f1_ci_high,precision,precision_ci_low,' +
        'precision_ci_high,recall,recall_ci_low,recall_ci_high,iou,iou_ci_low,iou_ci_high,' +
        'accuracy,accuracy_ci_low,accuracy_ci_high,ci_level',
    );
    const row = csv[3].split(',');
    expect(row.slice(0, 3)).toEqual(['discs', `${join(dir, 'ds')} (test)`, '3']);
    expect(Number(row[4])).toBeCloseTo(json.datasets[2].pooled.f1, 12);
    expect(row[19]).toBe('0.95');

    const val = ['--dataset', join(dir, 'ds'), '--split', 'val', '--csv', join(dir, 'val.csv')];
    expect(await main([...args.slice(0, 5), ...val])).toBe(0);
    expect(readFileSync(join(dir, 'val.csv'), 'utf8')).toMatch(/\ndiscs,.*\(val\),2,/);
    restore();
  });

  it('segments 16-bit PNG and TIFF and RGB PNG images into masks and overlay PNGs', async () => {
    const { log, restore } = quiet();
    const [h, w] = [23, 18];
    const u16 = Uint16Array.from({ length: h * w }, (_, i) => (i % 7 === 0 ? 60000 : 300 + i));
    await sharp(u16, { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(join(dir, 'u16.png'));
    const rgb = Uint8Array.from({ length: 3 * h * w }, (_, i) => (i * 11) % 256);
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(join(dir, 'rgb.png'));
    await sharp(u16, { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('grey16')
      .tiff({ compression: 'deflate' })
      .toFile(join(dir, 'u16.tif'));
    const model = join(dir, 'model');
    const seg = ['--tile', '16', '--overlap', '8', '--backend', 'wasm'];
    for (const name of ['u16.png', 'u16.tif', 'rgb.png']) {
      const out = join(dir, `${name}-prob.npy`);
      const image = join(dir, name);
      expect(
        await main(['segment', '--model', model, '--image', image, '--out', out, ...seg]),
      ).toBe(0);
      expect(readNpy(out).shape).toEqual([h, w]);
      const mask = readNpy(join(dir, `${name}-prob-mask.npy`));
      expect([mask.dtype, mask.shape]).toEqual(['|u1', [h, w]]);
      for (const png of ['-mask.png', '-mask-overlay.png']) {
        const meta = await sharp(join(dir, `${name}-prob${png}`)).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(['png', w, h]);
      }
    }
    const stack = ['--image', join(dir, 'images.npy'), '--out', join(dir, 'stack.npy')];
    expect(await main(['segment', '--model', model, ...stack, ...seg])).toBe(0);
    for (const k of ['000', '003']) {
      const meta = await sharp(join(dir, `stack-mask-${k}-overlay.png`)).metadata();
      expect([meta.width, meta.height]).toEqual([16, 16]);
    }
    expect(log.mock.calls.some(([line]) => /u16\.png: PNG uint16, 1 channel/.test(line))).toBe(
      true,
    );
    expect(log.mock.calls.some(([line]) => /rgb\.png: PNG uint8, 3 channel/.test(line))).toBe(true);
    restore();
  });

  it('refuses a --val name that repeats the dataset folder\'s own "val" set', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const ds = join(dir, 'ds');
    const args = ['train', '--dataset', ds, '--val', `val=${ds}`, '--out', join(dir, 'm-dup')];
    expect(await main([...args, '--epochs', '1', ...TINY])).toBe(2);
    expect(error.mock.calls).toHaveLength(1);
    expect(error.mock.calls[0][0]).toMatch(/validation set name "val" is used twice/);
    error.mockRestore();
  });

  it('refuses an image file of unsupported format with one error line naming it', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const jpeg = join(dir, 'photo.jpg');
    await sharp(new Uint8Array(48), { raw: { width: 4, height: 4, channels: 3 } })
      .jpeg()
      .toFile(jpeg);
    const args = ['--model', join(dir, 'model'), '--image', jpeg, '--out', join(dir, 'x.npy')];
    expect(await main(['segment', ...args])).toBe(2);
    expect(error.mock.calls).toHaveLength(1);
    expect(error.mock.calls[0][0]).toMatch(
      /photo\.jpg: unsupported image format jpeg; supported: PNG \(8- or 16-bit grey or RGB\)/,
    );
    error.mockRestore();
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

describe('hrtem train with a missing file', () => {
  it('reports it on one line with exit code 2, not as an internal error', async () => {
    const missing = join(tmpdir(), 'hrtem-no-such-images.npy');
    const errors: string[] = [];
    const error = vi.spyOn(console, 'error').mockImplementation((m: string) => errors.push(m));
    try {
      const out = join(tmpdir(), 'hrtem-no-model');
      expect(await main(['train', '--images', missing, '--masks', missing, '--out', out])).toBe(2);
    } finally {
      error.mockRestore();
    }
    expect(errors).toEqual([
      `hrtem: error: cannot read or write ${missing}: no such file or folder (ENOENT)`,
    ]);
  });
});
