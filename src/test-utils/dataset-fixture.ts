/**
 * Test fixture: writes a finished dataset folder (manifest.json and .npy shards, the layout of
 * `buildDataset`) from in-memory images and masks, without simulating anything.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../core/npy.js';
import {
  DATASET_FORMAT,
  DATASET_MANIFEST,
  type DatasetManifest,
  SPLITS,
  type SplitName,
} from '../dataset/index.js';
import { parseDomain } from '../imaging/index.js';

/** Images (float32) and 0/1 masks of one split, (n, h, w) row-major. */
export interface FixtureSplit {
  images: Float32Array;
  masks: Uint8Array;
  n: number;
}

/**
 * Writes a dataset of `h`×`w` px images with the given splits (missing splits are empty).
 * @returns the manifest written
 */
export function writeDatasetFixture(
  dir: string,
  splits: Partial<Record<SplitName, FixtureSplit>>,
  options: { h: number; w: number; shardSize: number; standardized?: boolean; name?: string },
): DatasetManifest {
  const { h, w, shardSize } = options;
  const pixels = h * w;
  const entries = {} as DatasetManifest['splits'];
  for (const split of SPLITS) {
    const data = splits[split] ?? { images: new Float32Array(0), masks: new Uint8Array(0), n: 0 };
    mkdirSync(join(dir, split), { recursive: true });
    const shards: DatasetManifest['splits'][SplitName]['shards'] = [];
    for (let start = 0, s = 0; start < data.n; start += shardSize, s++) {
      const count = Math.min(shardSize, data.n - start);
      const id = String(s).padStart(5, '0');
      const shard = {
        images: `${split}/images-${id}.npy`,
        masks: `${split}/masks-${id}.npy`,
        samples: `${split}/samples-${id}.json`,
        count,
      };
      const range = [start * pixels, (start + count) * pixels] as const;
      writeNpy(join(dir, shard.images), {
        dtype: '<f4',
        shape: [count, h, w],
        data: data.images.slice(...range),
      });
      writeNpy(join(dir, shard.masks), {
        dtype: '|u1',
        shape: [count, h, w],
        data: data.masks.slice(...range),
      });
      const records = Array.from({ length: count }, (_, k) => ({
        split,
        index: start + k,
        shard: s,
        offset: k,
      }));
      writeFileSync(join(dir, shard.samples), JSON.stringify(records));
      shards.push(shard);
    }
    entries[split] = { count: data.n, shards };
  }
  const domain = parseDomain({
    name: options.name ?? 'fixture-domain',
    condition: { energy: 300e3, imageSize: [h, w], Cs: 1.2e7, dose: 200, pixelSize: 0.2 },
    standardize: options.standardized ?? true,
  });
  const manifest: DatasetManifest = {
    format: DATASET_FORMAT,
    formatVersion: 1,
    codeVersion: 'test',
    complete: true,
    name: options.name ?? null,
    seed: 0,
    imagesPerStructure: 1,
    shardSize,
    imageShape: [h, w],
    standardized: options.standardized ?? true,
    domain,
    split: { train: 0.8, val: 0.1, test: 0.1 },
    structures: [],
    splits: entries,
    previews: [],
  };
  writeFileSync(join(dir, DATASET_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
