/**
 * Streams one split of a finished dataset (the folder `hrtem images` writes: manifest.json and
 * .npy shards) as a `SegmentationSource`: each image is read from its shard when a batch needs
 * it, so training and evaluation hold one batch, not the dataset, in memory.
 *
 * Normalisation: the U-Net takes images standardised per image (zero mean, unit population
 * variance). Datasets built with `standardize: true` (the default) store them so and are passed
 * through; images of datasets built with `standardize: false` are standardised as they are read.
 */
import { InputError } from '../core/errors.js';
import type { SegmentationSource } from './data.js';
import type { Normalisation } from './model-io.js';
import { standardizeStack } from './npy-images.js';

/** A dataset split's name. */
export type DatasetSplit = 'train' | 'val' | 'test';

/**
 * What `datasetSource` needs of a dataset reader; `DatasetReader` from the dataset stage has it.
 */
export interface DatasetSplitReader {
  readonly manifest: { imageShape: [number, number]; standardized: boolean };
  count(split: DatasetSplit): number;
  read(split: DatasetSplit, index: number): { image: Float32Array; mask: Uint8Array };
}

/**
 * The normalisation a model trained or evaluated on `reader`'s images sees (module doc).
 * @example
 * normalisationOf({ manifest: { imageShape: [8, 8], standardized: true } } as never).appliedBy;
 * // 'dataset'
 */
export function normalisationOf(reader: Pick<DatasetSplitReader, 'manifest'>): Normalisation {
  return {
    method: 'per-image-standardize',
    appliedBy: reader.manifest.standardized ? 'dataset' : 'reader',
  };
}

/**
 * A split of a dataset as a streamed source.
 * @param reader an opened dataset (`DatasetReader.open(dir)`)
 * @param split 'train', 'val' or 'test'
 * @param label names the dataset in messages (e.g. its folder)
 * @throws InputError if the split holds no images; its `read` throws InputError for a
 *   non-finite image value or a mask value other than 0/1, naming split and index
 */
export function datasetSource(
  reader: DatasetSplitReader,
  split: DatasetSplit,
  label: string,
): SegmentationSource {
  const n = reader.count(split);
  if (n === 0) {
    throw new InputError(`${label}: split "${split}" holds no images; choose another split`);
  }
  const [h, w] = reader.manifest.imageShape;
  const standardized = reader.manifest.standardized;
  return {
    shape: [n, h, w],
    read(index, image, mask) {
      const sample = reader.read(split, index);
      const where = `${label}: ${split} image ${index}`;
      const values = standardized ? sample.image : standardizeStack(sample.image, [1, h, w], where);
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i])) {
          throw new InputError(`${where} holds a non-finite value ${values[i]} at pixel ${i}`);
        }
        if (sample.mask[i] > 1) {
          throw new InputError(`${where}: mask values must be 0 or 1, got ${sample.mask[i]}`);
        }
      }
      image.set(values);
      mask.set(sample.mask);
    },
  };
}
