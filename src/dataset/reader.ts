/**
 * Random-access, streaming reading of a finished dataset: one image is read from its shard by
 * offset, so a training run never loads whole shards.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, requireInteger } from '../core/errors.js';
import { DATASET_FORMAT, DATASET_MANIFEST, type DatasetManifest } from './build.js';
import type { SplitName } from './manifest.js';
import type { SampleRecord } from './samples.js';

/** One image of a dataset. */
export interface DatasetSample {
  /** float32 (h, w). */
  image: Float32Array;
  /** uint8 0/1 (h, w). */
  mask: Uint8Array;
  record: SampleRecord;
}

/** Byte offset of the data in a .npy file (after its header). */
function npyDataOffset(fd: number, path: string): number {
  const head = Buffer.alloc(12);
  readSync(fd, head, 0, 12, 0);
  if (head[0] !== 0x93 || head.toString('latin1', 1, 6) !== 'NUMPY') {
    throw new InputError(`${path}: not a .npy file`);
  }
  return head[6] === 1 ? 10 + head.readUInt16LE(8) : 12 + head.readUInt32LE(8);
}

/** A finished dataset opened for reading. */
export class DatasetReader {
  readonly manifest: DatasetManifest;
  private readonly dir: string;
  private recordCache: { path: string; records: SampleRecord[] } | null = null;

  private constructor(dir: string, manifest: DatasetManifest) {
    this.dir = dir;
    this.manifest = manifest;
  }

  /**
   * Opens a dataset folder.
   * @throws InputError if it has no manifest.json marked complete (an unfinished build)
   */
  static open(dir: string): DatasetReader {
    const path = join(dir, DATASET_MANIFEST);
    if (!existsSync(path)) {
      throw new InputError(`${dir}: not a finished dataset (no ${DATASET_MANIFEST}); rebuild it`);
    }
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as DatasetManifest;
    if (manifest.format !== DATASET_FORMAT || manifest.complete !== true) {
      throw new InputError(`${path}: not a complete ${DATASET_FORMAT}`);
    }
    return new DatasetReader(dir, manifest);
  }

  /** Number of images in a split. */
  count(split: SplitName): number {
    return this.manifest.splits[split].count;
  }

  /**
   * Reads image `index` of a split.
   * @throws RangeError if the index is outside [0, count)
   */
  read(split: SplitName, index: number): DatasetSample {
    requireInteger(`${split} index`, index, 0, this.count(split) - 1);
    const size = this.manifest.shardSize;
    const shard = this.manifest.splits[split].shards[Math.floor(index / size)];
    const offset = index % size;
    const [h, w] = this.manifest.imageShape;
    const pixels = h * w;
    const image = new Float32Array(pixels);
    const mask = new Uint8Array(pixels);
    this.readSlice(shard.images, offset * pixels * 4, new Uint8Array(image.buffer));
    this.readSlice(shard.masks, offset * pixels, mask);
    return { image, mask, record: this.records(shard.samples)[offset] };
  }

  private readSlice(name: string, byteOffset: number, into: Uint8Array): void {
    const path = join(this.dir, name);
    const fd = openSync(path, 'r');
    try {
      const start = npyDataOffset(fd, path) + byteOffset;
      const read = readSync(fd, into, 0, into.byteLength, start);
      if (read !== into.byteLength) throw new InputError(`${path}: file is truncated`);
    } finally {
      closeSync(fd);
    }
  }

  private records(name: string): SampleRecord[] {
    if (this.recordCache?.path !== name) {
      const records = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as SampleRecord[];
      this.recordCache = { path: name, records };
    }
    return this.recordCache.records;
  }
}
